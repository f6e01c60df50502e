/**
 * Patches 8 and 9 in scripts/infra/ferretdb-build.ts commit an `update` command's writes in one
 * transaction at its end and replace by `_id` without reading the stored document first. These
 * cases pin what a client sees, which must be what MongoDB gives: every statement reads what the
 * earlier statements of the same command wrote, a replace matches only an existing document, the
 * counts are per statement, and `_id` stays immutable.
 */
import mongoose from 'mongoose';
import { type FerretInstance, startFerret } from '@medlives/testkit';

jest.setTimeout(120_000);

interface Doc {
  _id: string;
  n: number;
  tag?: string;
  note?: string;
}

describe('FerretDB build: an update command with many statements', () => {
  let ferret: FerretInstance;
  let conn: mongoose.Connection;
  beforeAll(async () => {
    ferret = await startFerret();
    conn = await mongoose.createConnection(ferret.url).asPromise();
  });
  afterAll(async () => {
    await conn?.close();
    await ferret?.destroy();
  });

  it('when statements touch the same _id, a non-_id filter and an upsert in one command, then each sees the earlier writes', async () => {
    const coll = conn.collection<Doc>('stmts');
    await coll.insertMany([
      { _id: 'a', n: 0, tag: 'x' },
      { _id: 'b', n: 0, tag: 'y' },
    ]);
    const result = await coll.bulkWrite(
      [
        { replaceOne: { filter: { _id: 'a' }, replacement: { n: 10, tag: 'x' } } },
        // Reads the replacement above: 10 + 1.
        { updateOne: { filter: { _id: 'a' }, update: { $inc: { n: 1 } } } },
        { updateOne: { filter: { _id: 'b' }, update: { $inc: { n: 5 } } } },
        // A filter on another field: must see b's n = 5 written by the statement above.
        { updateOne: { filter: { n: 5 }, update: { $set: { note: 'saw five' } } } },
        { updateOne: { filter: { _id: 'c' }, update: { $set: { n: 1 } }, upsert: true } },
        { updateOne: { filter: { _id: 'c' }, update: { $inc: { n: 1 } } } },
        { updateOne: { filter: { _id: 'missing' }, update: { $inc: { n: 1 } } } },
      ],
      { ordered: true },
    );
    expect({ matched: result.matchedCount, modified: result.modifiedCount, upserted: result.upsertedCount }).toEqual({ matched: 5, modified: 5, upserted: 1 });
    const docs = await coll.find({}).sort({ _id: 1 }).toArray();
    expect(docs).toEqual([
      { _id: 'a', n: 11, tag: 'x' },
      { _id: 'b', n: 5, tag: 'y', note: 'saw five' },
      { _id: 'c', n: 2 },
    ]);
  });

  it('when 120 orders are replaced in one command, then every replacement is stored', async () => {
    const coll = conn.collection<Doc>('bulk');
    const ids = Array.from({ length: 120 }, (_, i) => `order-${i}`);
    await coll.insertMany(ids.map((_id) => ({ _id, n: 0 })));
    const result = await coll.bulkWrite(ids.map((_id, i) => ({ replaceOne: { filter: { _id }, replacement: { n: i + 1 } } })), { ordered: false });
    expect(result.modifiedCount).toBe(120);
    const docs = await coll.find({}).toArray();
    expect(new Map(docs.map((d) => [d._id, d.n]))).toEqual(new Map(ids.map((id, i) => [id, i + 1])));
  });

  it('when a replace by _id finds no document, then nothing is matched and nothing is inserted', async () => {
    const coll = conn.collection<Doc>('missing');
    await coll.insertOne({ _id: 'here', n: 1 });
    const result = await coll.bulkWrite(
      [
        { replaceOne: { filter: { _id: 'gone' }, replacement: { n: 9 } } },
        { replaceOne: { filter: { _id: 'here' }, replacement: { n: 2 } } },
      ],
      { ordered: false },
    );
    expect({ matched: result.matchedCount, modified: result.modifiedCount }).toEqual({ matched: 1, modified: 1 });
    expect(await coll.find({}).toArray()).toEqual([{ _id: 'here', n: 2 }]);
  });

  it('when a replacement carries another _id, then it is refused as on MongoDB and the document keeps its _id', async () => {
    const coll = conn.collection<Doc>('immutable');
    await coll.insertOne({ _id: 'keep', n: 1 });
    await expect(coll.replaceOne({ _id: 'keep' }, { _id: 'other', n: 2 } as unknown as Doc)).rejects.toThrow(/immutable field '_id'/);
    expect(await coll.find({}).toArray()).toEqual([{ _id: 'keep', n: 1 }]);
  });
});
