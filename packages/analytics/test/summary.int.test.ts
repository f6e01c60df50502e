import mongoose, { type Connection } from 'mongoose';
import { detectDialect } from '@medlives/mongo';
import { randomMongoUrl } from '@medlives/testkit';
import { FACTS_COLLECTION, factsCollection } from '../src/store';
import { groupSums } from '../src/summary';

describe('summary pipelines on the test server', () => {
  let conn: Connection;
  beforeAll(async () => {
    conn = await mongoose.createConnection(randomMongoUrl('analytics-sum').url).asPromise();
    await conn.db!.collection(FACTS_COLLECTION).insertMany([
      { _id: 'a', d: 'x', g: 150, p: 100 },
      { _id: 'b', d: 'x', g: 250, p: 0 },
      { _id: 'c', d: 'y', g: 75, p: 75 },
    ] as never[]);
  });
  afterAll(async () => {
    await conn.dropDatabase();
    await conn.close();
  });

  it('when several sums are grouped with the detected dialect, then every sum is right', async () => {
    const dialect = await detectDialect(conn);
    const rows = await groupSums(factsCollection(conn), dialect, [], '$d', { n: 1, g: '$g', p: '$p' });
    const byDay = Object.fromEntries(rows.map((r) => [r._id, { n: r.n, g: r.g, p: r.p }]));
    expect(byDay).toEqual({ x: { n: 2, g: 400, p: 100 }, y: { n: 1, g: 75, p: 75 } });
  });

  it('when the server is FerretDB, then one $group with several $sum really is wrong there (why the fallback exists)', async () => {
    const dialect = await detectDialect(conn);
    const rows = await factsCollection(conn).aggregate([{ $group: { _id: '$d', n: { $sum: 1 }, g: { $sum: '$g' } } }]).toArray();
    const x = rows.find((r) => r._id === 'x')!;
    // MongoDB computes both; FerretDB v1 only the first. If FerretDB fixes this, drop the fallback.
    expect(x.g === 400).toBe(dialect.fullGroupAccumulators);
    expect(x.n).toBe(2);
  });
});
