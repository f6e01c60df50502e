import { Registry } from 'prom-client';
import { AppError } from '@medlives/errors';
import { FERRETDB, MONGODB } from '@medlives/mongo';
import { DocCache, type OrderDoc, OrderStore, decodeCursor, encodeCursor, orderMetrics } from '@medlives/orders';

const doc = (i: number, rev = 1) => ({ _id: `t/o${i}`, rev }) as unknown as OrderDoc;

function fakeCollection(result: () => unknown = () => ({ matchedCount: Infinity })) {
  const calls: unknown[][] = [];
  return {
    calls,
    collection: {
      bulkWrite: async (ops: unknown[]) => {
        calls.push(ops);
        const r = result();
        if (r instanceof Error) throw r;
        return r;
      },
    } as never,
  };
}

describe('OrderStore.write', () => {
  it('when the server is MongoDB, then one bulkWrite carries every op and replaces are revision-guarded', async () => {
    const { calls, collection } = fakeCollection();
    const registry = new Registry();
    const store = new OrderStore(collection, MONGODB, orderMetrics(registry));
    const ops = [
      { kind: 'insert' as const, doc: doc(0) },
      ...Array.from({ length: 150 }, (_, i) => ({ kind: 'replace' as const, doc: doc(i + 1, 4), expectedRev: 3 })),
    ];
    await expect(store.write(ops)).resolves.toEqual({ unconfirmed: [] });
    expect(calls).toHaveLength(1);
    expect(calls[0]![1]).toEqual({ replaceOne: { filter: { _id: 't/o1', rev: 3 }, replacement: doc(1, 4) } });
    expect(await registry.getSingleMetricAsString('medlives_mongo_write_operations_total')).toContain('op="bulkWrite"} 1');
  });

  it('when the server is FerretDB, then replaces are split below its pool limit and filter on _id alone', async () => {
    const { calls, collection } = fakeCollection();
    const store = new OrderStore(collection, FERRETDB, orderMetrics(new Registry()));
    const ops = Array.from({ length: 100 }, (_, i) => ({ kind: 'replace' as const, doc: doc(i), expectedRev: 0 }));
    await store.write([{ kind: 'insert', doc: doc(999) }, ...ops]);
    expect(calls.map((c) => c.length)).toEqual([41, 40, 20]);
    expect(calls[0]![1]).toEqual({ replaceOne: { filter: { _id: 't/o0' }, replacement: doc(0) } });
  });

  it('when a guarded replace matched nothing, then its chunk is reported unconfirmed for a re-read', async () => {
    const { collection } = fakeCollection(() => ({ matchedCount: 1 }));
    const store = new OrderStore(collection, MONGODB, orderMetrics(new Registry()));
    const ops = [1, 2].map((i) => ({ kind: 'replace' as const, doc: doc(i), expectedRev: 0 }));
    await expect(store.write(ops)).resolves.toEqual({ unconfirmed: ['t/o1', 't/o2'] });
  });

  it('when an insert hits a duplicate key, then it is a lost race, not an error', async () => {
    const dup = Object.assign(new Error('E11000'), { name: 'MongoBulkWriteError', writeErrors: [{ code: 11000, index: 1 }], result: { matchedCount: 1 } });
    const { collection } = fakeCollection(() => dup);
    const store = new OrderStore(collection, MONGODB, orderMetrics(new Registry()));
    const ops = [{ kind: 'insert' as const, doc: doc(1) }, { kind: 'insert' as const, doc: doc(2) }, { kind: 'replace' as const, doc: doc(3), expectedRev: 0 }];
    await expect(store.write(ops)).resolves.toEqual({ unconfirmed: ['t/o2'] });
  });

  it('when the connection drops mid-write, then the error is a retriable DB_TIMEOUT', async () => {
    const cut = Object.assign(new Error('connection 1 timed out'), {
      name: 'MongoBulkWriteError',
      writeErrors: [],
      errorResponse: Object.assign(new Error('timed out'), { name: 'MongoNetworkTimeoutError' }),
    });
    const { collection } = fakeCollection(() => cut);
    const store = new OrderStore(collection, MONGODB, orderMetrics(new Registry()));
    await expect(store.write([{ kind: 'insert', doc: doc(1) }])).rejects.toMatchObject({ code: 'DB_TIMEOUT', retriable: true });
  });
});

describe('cursor', () => {
  it('when a cursor round-trips, then it names the last order; a forged one is a SCHEMA_INVALID naming cursor', () => {
    const c = encodeCursor({ _id: 'p/o9', orderDate: new Date('2026-11-21T10:00:00.000Z') });
    expect(decodeCursor(c)).toEqual({ d: '2026-11-21T10:00:00.000Z', i: 'p/o9' });
    expect(() => decodeCursor('nope')).toThrow(expect.objectContaining({ code: 'SCHEMA_INVALID', message: expect.stringMatching(/^cursor/) }));
  });
});

describe('DocCache', () => {
  it('when full, then the least recently used order is dropped first', () => {
    const cache = new DocCache(2);
    cache.set(doc(1));
    cache.set(doc(2));
    cache.get('t/o1');
    cache.set(doc(3));
    expect([cache.get('t/o1')?._id, cache.get('t/o2'), cache.get('t/o3')?._id]).toEqual(['t/o1', undefined, 't/o3']);
    cache.clear();
    expect(cache.size).toBe(0);
  });

  it('when documents are large, then the cache keeps them within its byte budget', () => {
    const big = (i: number) => ({ ...doc(i), customer: { name: 'x'.repeat(100_000) } }) as unknown as OrderDoc;
    const cache = new DocCache(10_000, 1_000_000);
    for (let i = 0; i < 50; i++) cache.set(big(i));
    expect(cache.size).toBeLessThanOrEqual(10);
    expect(cache.bytes).toBeLessThanOrEqual(1_000_000);
    expect(cache.get('t/o49')).toBeDefined();
  });
});
