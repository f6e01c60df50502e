import { committedReach } from '../chaos';

const marks = (entries: Record<string, number[]>) => new Map(Object.entries(entries).map(([t, ends]) => [t, new Map(ends.map((end, partition) => [partition, end]))]));
const committed = (entries: Record<string, string[]>) => Object.entries(entries).map(([topic, offsets]) => ({ topic, partitions: offsets.map((offset, partition) => ({ partition, offset })) }));

describe('committedReach: has a group processed everything produced before a fault', () => {
  it('when every partition is committed at its end offset, then it has', () => {
    expect(committedReach(committed({ orders: ['5', '7'] }), marks({ orders: [5, 7] }))).toBe(true);
  });

  it('when one partition is committed short of its end offset, then it has not', () => {
    expect(committedReach(committed({ orders: ['5', '6'] }), marks({ orders: [5, 7] }))).toBe(false);
  });

  it('when a partition that never held a record has no committed offset (-1), then it does not hold the group back', () => {
    expect(committedReach(committed({ orders: ['5', '-1'] }), marks({ orders: [5, 0] }))).toBe(true);
  });

  it('when a partition that holds records has no committed offset yet, then the group is behind', () => {
    expect(committedReach(committed({ orders: ['-1'] }), marks({ orders: [3] }))).toBe(false);
  });
});
