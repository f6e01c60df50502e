/**
 * The local FerretDB build must not deadlock under concurrent bulk updates (patch 6 in
 * scripts/infra/ferretdb-build.ts). Stock v1.24 keeps every update statement's query open until
 * the whole command ends (`defer closer.Close()` inside the per-statement loop) while each
 * statement's write needs another connection of the database's pool (100 connections): three
 * order-persistence instances each sending 40 updates at once exhausted the pool and every
 * command waited forever — seen as a group whose lag stopped moving, with FerretDB idle.
 */
import mongoose from 'mongoose';
import { type FerretInstance, startFerret } from '@medlives/testkit';

jest.setTimeout(120_000);

describe('FerretDB build under concurrent bulk updates', () => {
  let ferret: FerretInstance;
  let conn: mongoose.Connection;
  beforeAll(async () => {
    ferret = await startFerret();
    conn = await mongoose.createConnection(ferret.url, { maxPoolSize: 20 }).asPromise();
  });
  afterAll(async () => {
    await conn?.close();
    await ferret?.destroy();
  });

  it('when 4 clients each send 40 matched updates in one command at the same time, then all finish', async () => {
    const docs = Array.from({ length: 160 }, (_, i) => ({ _id: `doc-${i}`, n: 0 }));
    const coll = conn.collection<{ _id: string; n: number }>('pool');
    await coll.insertMany(docs);
    const round = (client: number) =>
      coll.bulkWrite(
        docs.slice(client * 40, client * 40 + 40).map((d) => ({ updateOne: { filter: { _id: d._id }, update: { $inc: { n: 1 } } } })),
        { ordered: false },
      );
    // A deadlocked server never answers: the race turns that into a failure, not a hung suite.
    const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('FerretDB did not answer 4 concurrent bulk updates within 60 s (pool deadlock)')), 60_000).unref());
    for (let r = 0; r < 3; r++) {
      const results = await Promise.race([Promise.all([0, 1, 2, 3].map(round)), timeout]);
      expect(results.map((x) => x.modifiedCount)).toEqual([40, 40, 40, 40]);
    }
    const counts = await coll.find({}).toArray();
    expect(counts.every((d) => d.n === 3)).toBe(true);
  });
});
