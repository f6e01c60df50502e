import mongoose, { type Connection } from 'mongoose';
import { detectMongoServer } from '@medlives/mongo';
import { InventoryStore, OrderReservations, PRODUCTS_COLLECTION, productKey } from '@medlives/inventory';
import { randomMongoUrl } from '@medlives/testkit';

describe('InventoryStore on the real database', () => {
  let conn: Connection;
  let store: InventoryStore;

  beforeAll(async () => {
    conn = await mongoose.createConnection(randomMongoUrl('inventory-store').url, { serverSelectionTimeoutMS: 5_000 }).asPromise();
    store = new InventoryStore(conn);
    store.init(await detectMongoServer(conn));
  });
  afterAll(async () => {
    await conn.dropDatabase();
    await conn.close();
  });

  it('when a reserve crashed after taking the stock, then the next attempt finishes it instead of taking the stock again', async () => {
    await store.create('t1', { productId: 'crash', name: 'Crash', stock: 10, lowStockThreshold: 0 });
    // What a crash between the two writes of a move leaves: stock taken, marker set, no record.
    await conn.collection(PRODUCTS_COLLECTION).updateOne({ _id: productKey('t1', 'crash') as never }, { $inc: { stock: -3, reserved: 3 }, $set: { 'pending.o-1': { op: 'reserve', quantity: 3 } } });
    const again = await store.reserve('t1', 'crash', 'o-1', 3);
    expect(again).toMatchObject({ kind: 'repeated', product: { stock: 7, reserved: 3 } });
    const doc = await conn.collection(PRODUCTS_COLLECTION).findOne({ _id: productKey('t1', 'crash') as never });
    expect(doc?.pending).toEqual({});
    const released = await store.release('t1', 'crash', 'o-1', 3);
    expect(released).toMatchObject({ kind: 'applied', product: { stock: 10, reserved: 0 } });
    expect(await store.reserve('t1', 'crash', 'o-1', 3)).toMatchObject({ kind: 'closed' });
  });

  it('when many orders come and go, then the product document does not grow with them', async () => {
    await store.create('t1', { productId: 'busy', name: 'Busy', stock: 100, lowStockThreshold: 0 });
    for (let i = 0; i < 20; i++) {
      await store.reserve('t1', 'busy', `o-${i}`, 1);
      await store.release('t1', 'busy', `o-${i}`, 1);
    }
    const doc = await conn.collection(PRODUCTS_COLLECTION).findOne({ _id: productKey('t1', 'busy') as never });
    expect(doc).toMatchObject({ stock: 100, reserved: 0, pending: {} });
    expect(JSON.stringify(doc).length).toBeLessThan(400);
  }, 60_000);

  it('when stock crosses under its threshold, then the crossing is reported once until it recovers', async () => {
    await store.create('t1', { productId: 'low', name: 'Low', stock: 6, lowStockThreshold: 5 });
    const crossed = [];
    for (let i = 0; i < 3; i++) crossed.push(((await store.reserve('t1', 'low', `l-${i}`, 1)) as { crossedLow?: boolean }).crossedLow);
    expect(crossed).toEqual([false, true, false]);
    const low = async (orderId: string) => ((await store.reserve('t1', 'low', orderId, 1)) as { crossedLow?: boolean }).crossedLow;
    await store.release('t1', 'low', 'l-0', 1); // 4: still under
    expect(await low('l-9')).toBe(false); // 3: no new crossing
    for (const o of ['l-1', 'l-2', 'l-9']) await store.release('t1', 'low', o, 1); // 6: recovered
    expect([await low('l-10'), await low('l-11')]).toEqual([false, true]); // 5, then 4: crossed again
  }, 60_000);

  it('when an order-level reserve fails on its last line, then the earlier lines are given back and a replay says the same', async () => {
    const orders = new OrderReservations(conn, store);
    await store.create('t2', { productId: 'a', name: 'A', stock: 5, lowStockThreshold: 0 });
    await store.create('t2', { productId: 'b', name: 'B', stock: 0, lowStockThreshold: 0 });
    const first = await orders.reserve('t2', 'ord', [{ productId: 'a', quantity: 2 }, { productId: 'a', quantity: 1 }, { productId: 'b', quantity: 1 }]);
    expect(first).toMatchObject({ kind: 'failed', keyProductId: 'a', again: false, items: [{ productId: 'b', requested: 1, available: 0, reason: 'insufficient_stock' }] });
    expect((await store.get({ tenantCode: 't2' }, 'a'))?.stock).toBe(5);
    expect(await orders.reserve('t2', 'ord', [{ productId: 'a', quantity: 3 }])).toMatchObject({ kind: 'failed', again: true });
    expect(await orders.reserve('t2', 'unknown', [{ productId: 'ghost', quantity: 1 }])).toMatchObject({ kind: 'failed', items: [{ reason: 'unknown_product' }] });
  }, 60_000);
});
