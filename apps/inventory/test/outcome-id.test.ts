import { mergeLines } from '@medlives/inventory';
import { derivedEventId } from '../src/sink';

describe('inventory units', () => {
  it('when an order lists one product on two lines, then it is reserved as one quantity', () => {
    expect(mergeLines([{ productId: 'a', quantity: 2 }, { productId: 'b', quantity: 1 }, { productId: 'a', quantity: 3 }])).toEqual([
      { productId: 'a', quantity: 5 },
      { productId: 'b', quantity: 1 },
    ]);
  });

  it('when an outcome id is derived twice from one name, then it is the same RFC 4122 v5 UUID, and another name gives another', () => {
    const id = derivedEventId('t/o1/stock.reserved');
    expect(id).toBe(derivedEventId('t/o1/stock.reserved'));
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(derivedEventId('t/o2/stock.reserved')).not.toBe(id);
  });
});
