import mongoose, { type Collection, type Connection } from 'mongoose';
import { AppError } from '@medlives/errors';
import { DOCUMENT_LOCKS_COLLECTION, DocumentLock, InventoryStore, PRODUCTS_COLLECTION, RESERVATIONS_COLLECTION, productKey } from '@medlives/inventory';
import { randomMongoUrl } from '@medlives/testkit';

/**
 * A holder that stalls (GC pause, slow network, a descheduled pod) past its lock lease: the lease
 * lets another instance in, and the stalled one must not write when it wakes up (issue 12 hole 10).
 * The stall is real time in the holder; the database is the real one (FerretDB locally, where the
 * lock is what keeps two moves of a product apart).
 */
describe('InventoryStore: a product lock holder stalled past its lease', () => {
  const LEASE_MS = 400;
  let url: string;
  let connA: Connection;
  let connB: Connection;
  let gate: { armed: boolean; reached?: () => void; release?: () => void; wait?: Promise<void> };

  /** The holder's connection, with its next product write held until the test lets it go. */
  function stallingConnection(conn: Connection, collectionName: string, op: 'findOneAndUpdate' | 'updateOne'): Connection {
    return new Proxy(conn, {
      get(target, prop, receiver) {
        if (prop !== 'collection') return Reflect.get(target, prop, receiver);
        return (name: string) => {
          const collection = target.collection(name) as Collection;
          if (name !== collectionName) return collection;
          return new Proxy(collection, {
            get(c, p, r) {
              const value = Reflect.get(c, p, r) as unknown;
              if (p !== op || typeof value !== 'function') return typeof value === 'function' ? value.bind(c) : value;
              return async (...args: unknown[]) => {
                if (gate.armed) {
                  gate.armed = false;
                  gate.reached?.();
                  await gate.wait;
                }
                return (value as (...a: unknown[]) => unknown).apply(c, args);
              };
            },
          });
        };
      },
    });
  }

  function arm(): { reached: Promise<void>; release: () => void } {
    let release!: () => void;
    let reached!: () => void;
    const wait = new Promise<void>((r) => (release = r));
    const reachedP = new Promise<void>((r) => (reached = r));
    gate = { armed: true, reached, release, wait };
    return { reached: reachedP, release };
  }

  beforeAll(async () => {
    url = randomMongoUrl('inventory-fencing').url;
    connA = await mongoose.createConnection(url, { serverSelectionTimeoutMS: 5_000 }).asPromise();
    connB = await mongoose.createConnection(url, { serverSelectionTimeoutMS: 5_000 }).asPromise();
    gate = { armed: false };
  });
  afterAll(async () => {
    await connA.dropDatabase();
    await connA.close();
    await connB.close();
  });

  async function stores(collectionName: string, op: 'findOneAndUpdate' | 'updateOne') {
    const a = new InventoryStore(stallingConnection(connA, collectionName, op), { lockLeaseMs: LEASE_MS });
    const b = new InventoryStore(connB, { lockLeaseMs: LEASE_MS });
    // The lock is what this test is about: run it on MongoDB too (there it is normally skipped).
    a.init({ atomicDocumentUpdates: false });
    b.init({ atomicDocumentUpdates: false });
    return { a, b };
  }

  const product = (tenant: string, id: string) => connB.collection(PRODUCTS_COLLECTION).findOne({ _id: productKey(tenant, id) as never });
  const reservation = (id: string) => connB.collection(RESERVATIONS_COLLECTION).findOne({ _id: id as never });

  it('when the holder of a reserve stalls past its lease and a redelivery reserves the same order meanwhile, then the stock is taken once', async () => {
    const { a, b } = await stores(PRODUCTS_COLLECTION, 'findOneAndUpdate');
    await b.create('t1', { productId: 'p', name: 'P', stock: 10, lowStockThreshold: 0 });
    const stall = arm();
    // A takes the lock, reads the product and its (absent) reservation, then stalls before its write.
    const first = a.reserve('t1', 'p', 'o-1', 3).then((r) => ({ ok: r }), (e: unknown) => ({ error: e }));
    await stall.reached;
    // B (another instance, the same order redelivered) waits out A's lease and does the whole move.
    const second = await b.reserve('t1', 'p', 'o-1', 3);
    expect(second).toMatchObject({ kind: 'applied', product: { stock: 7, reserved: 3 } });
    stall.release();
    const outcome = await first;
    // The stalled holder must not apply its move again: it is fenced (a retriable error) or sees the move done.
    if ('error' in outcome) {
      expect(AppError.is(outcome.error)).toBe(true);
      expect((outcome.error as AppError).retriable).toBe(true);
      expect((outcome.error as AppError).message).toMatch(/fenc/i);
    } else {
      expect(outcome.ok).toMatchObject({ kind: 'repeated' });
    }
    expect(await product('t1', 'p')).toMatchObject({ stock: 7, reserved: 3, pending: {} });
    // Its retry (what the consumer or the client does after the retriable error) changes nothing.
    expect(await a.reserve('t1', 'p', 'o-1', 3)).toMatchObject({ kind: 'repeated', product: { stock: 7, reserved: 3 } });
    expect(await reservation('t1/p/o-1')).toMatchObject({ state: 'reserved', quantity: 3 });
  }, 60_000);

  it('when the holder stalls after taking the stock and the order is released meanwhile, then its late bookkeeping does not bring the reservation back', async () => {
    const { a, b } = await stores(RESERVATIONS_COLLECTION, 'updateOne');
    await b.create('t2', { productId: 'q', name: 'Q', stock: 5, lowStockThreshold: 0 });
    const stall = arm();
    // A applies its $inc (pending marker set), then stalls before writing the reservation record.
    const first = a.reserve('t2', 'q', 'o-2', 2).then((r) => ({ ok: r }), (e: unknown) => ({ error: e }));
    await stall.reached;
    expect(await product('t2', 'q')).toMatchObject({ stock: 3, reserved: 2 });
    // B waits out A's lease, finishes A's move from its marker, then the order is cancelled.
    expect(await b.reserve('t2', 'q', 'o-2', 2)).toMatchObject({ kind: 'repeated', product: { stock: 3 } });
    expect(await b.release('t2', 'q', 'o-2', 2)).toMatchObject({ kind: 'applied', product: { stock: 5, reserved: 0 } });
    stall.release();
    const outcome = await first;
    if ('error' in outcome) expect((outcome.error as AppError).retriable).toBe(true);
    expect(await product('t2', 'q')).toMatchObject({ stock: 5, reserved: 0 });
    expect(await reservation('t2/q/o-2')).toMatchObject({ state: 'released', quantity: 2 });
    // A release redelivered later must not give the stock back twice.
    expect(await b.release('t2', 'q', 'o-2', 2)).toMatchObject({ kind: 'repeated', product: { stock: 5, reserved: 0 } });
  }, 60_000);

  it('when a lease expires and another holder takes the lock, then its token is greater and the chain stays one document per key', async () => {
    const one = new DocumentLock(connA, LEASE_MS);
    const two = new DocumentLock(connB, LEASE_MS);
    const tokens: number[] = [];
    let resume!: () => void;
    let held!: () => void;
    const holding = new Promise<void>((r) => (held = r));
    const stalled = one.withLock('k', async (grant) => {
      tokens.push(grant.token);
      held();
      await new Promise<void>((r) => (resume = r));
    });
    await holding;
    await two.withLock('k', async (grant) => void tokens.push(grant.token));
    resume();
    await stalled;
    for (let i = 0; i < 5; i++) await one.withLock('k', async (grant) => void tokens.push(grant.token));
    expect(tokens).toHaveLength(7);
    for (let i = 1; i < tokens.length; i++) expect(tokens[i]!).toBeGreaterThan(tokens[i - 1]!);
    expect(await connA.collection(DOCUMENT_LOCKS_COLLECTION).countDocuments({ key: 'k' })).toBe(1);
  }, 60_000);

  it('when the lock itself meets a database outage, then the move fails retriably instead of as poison', async () => {
    const broken = new Proxy(connA, {
      get(target, prop, receiver) {
        if (prop !== 'collection') return Reflect.get(target, prop, receiver);
        return (name: string) => {
          const c = target.collection(name);
          if (name !== DOCUMENT_LOCKS_COLLECTION) return c;
          const fail = async () => {
            throw Object.assign(new Error('connection 3 to 127.0.0.1:27018 closed'), { name: 'MongoNetworkError' });
          };
          return new Proxy(c, { get: (t, p) => (p === 'find' ? () => ({ sort: () => ({ limit: () => ({ next: fail }) }) }) : p === 'insertOne' ? fail : (Reflect.get(t, p) as unknown)) });
        };
      },
    });
    const store = new InventoryStore(broken, { lockLeaseMs: LEASE_MS });
    store.init({ atomicDocumentUpdates: false });
    await new InventoryStore(connB).create('t3', { productId: 'r', name: 'R', stock: 5, lowStockThreshold: 0 });
    const error = await store.reserve('t3', 'r', 'o-3', 1).then(() => undefined, (e: unknown) => e);
    expect(AppError.is(error)).toBe(true);
    expect(error).toMatchObject({ code: 'DB_UNAVAILABLE', retriable: true });
  }, 60_000);
});
