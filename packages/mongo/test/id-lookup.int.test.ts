import { ObjectId } from 'mongodb';
import { connectMongo, dialectFor, FERRETDB_MEDLIVES, MONGODB, type MongoHandle } from '@medlives/mongo';
import { randomMongoUrl } from '@medlives/testkit';

/**
 * The batched `_id: {$in}` read the writers use when the dialect allows it: on the server the
 * suite runs against (the MedLives FerretDB build on SQLite or PostgreSQL, or a MongoDB), it is
 * detected, served from the `_id` index (FerretDB: pushed down), and returns exactly what MongoDB
 * would — the patch narrows rows, never changes results.
 */
describe('_id lookups on the test server', () => {
  let mongo: MongoHandle;
  const oid = new ObjectId('65a000000000000000000001');

  beforeAll(async () => {
    mongo = await connectMongo(randomMongoUrl('idlookup').url);
    const docs: Array<{ _id: unknown; n: number }> = Array.from({ length: 500 }, (_, i) => ({ _id: `k${i}`, n: i }));
    docs.push({ _id: oid, n: -1 }, { _id: 7, n: -2 }, { _id: oid.toHexString().slice(0, 23) + '2', n: -3 });
    await mongo.conn.db!.collection('t').insertMany(docs as never[]);
  });
  afterAll(async () => {
    await mongo.conn.db!.dropDatabase().catch(() => undefined);
    await mongo.close();
  });

  const ids = async (filter: object) =>
    (await mongo.conn.db!.collection('t').find(filter).toArray()).map((d) => String(d._id)).sort();

  it('when the server is connected, then it reports the batched _id lookup and the dialect uses it', () => {
    expect(mongo.server.idInPushdown).toBe(true);
    expect(mongo.dialect).toBe(mongo.server.kind === 'ferretdb' ? FERRETDB_MEDLIVES : MONGODB);
    expect(dialectFor(mongo.server).batchedIdLookup).toBe(true);
  });

  it('when _id: {$in} is asked, then FerretDB plans it on the _id index (pushdown)', async () => {
    if (mongo.server.kind !== 'ferretdb') return; // MongoDB: IXSCAN by design, nothing of ours to check
    const explain = (await mongo.conn.db!.command({ explain: { find: 't', filter: { _id: { $in: ['k1', 'k2'] } } } })) as { filterPushdown?: boolean };
    expect(explain.filterPushdown).toBe(true);
  });

  it('when $in mixes found, missing, ObjectId and non-pushable values, then the results are MongoDB’s', async () => {
    expect(await ids({ _id: { $in: ['k1', 'k499', 'missing', oid] } })).toEqual(['65a000000000000000000001', 'k1', 'k499']);
    // A string with an ObjectId's hex is a different _id.
    expect(await ids({ _id: { $in: [oid.toHexString()] } })).toEqual([]);
    expect(await ids({ _id: oid.toHexString() })).toEqual([]);
    // Numbers and regexes are not pushed down: still answered, by the handler.
    expect(await ids({ _id: { $in: [7, 'k3'] } })).toEqual(['7', 'k3']);
    expect(await ids({ _id: { $in: [/^k49[89]$/, 'k1'] } })).toEqual(['k1', 'k498', 'k499']);
    // Other conditions next to the pushed-down _id still apply.
    expect(await ids({ _id: { $in: ['k1', 'k2'] }, n: 2 })).toEqual(['k2']);
    expect(await ids({ _id: { $in: ['k1', 'k2'], $nin: ['k2'] } })).toEqual(['k1']);
    expect(await ids({ _id: 'k5', n: 6 })).toEqual([]);
  });

  it('when a replace is filtered by _id, then exactly that document changes', async () => {
    const col = mongo.conn.db!.collection<{ _id: string; n: number }>('t');
    const result = await col.bulkWrite([
      { replaceOne: { filter: { _id: 'k10' }, replacement: { n: 1000 } } },
      { replaceOne: { filter: { _id: 'k11', n: 999 }, replacement: { n: 1100 } } },
    ]);
    expect(result.matchedCount).toBe(1);
    expect((await col.find({ _id: { $in: ['k10', 'k11'] } }).toArray()).map((d) => d.n).sort()).toEqual([1000, 11]);
  });
});
