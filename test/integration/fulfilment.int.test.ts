import { createApp as createInventory } from '../../apps/inventory/src/app';
import { InventoryEnv } from '../../apps/inventory/src/config';
import { createApp as createPersistence } from '../../apps/order-persistence/src/app';
import { OrderPersistenceEnv } from '../../apps/order-persistence/src/config';
import { type ApiHarness, startApi } from '../../apps/producer-api/test/harness';
import type { ConsumerApp } from '@medlives/consumer';
import { parseConfig } from '@medlives/runtime';
import { waitFor } from '@medlives/testkit';

/** End to end: API → order-events → inventory-service → inventory-events → order-persistence → GET order. */
describe('an order is filled, or not, and the pharmacy can see it', () => {
  let api: ApiHarness;
  const workers: ConsumerApp[] = [];

  beforeAll(async () => {
    api = await startApi();
    const env = {
      KAFKA_BROKERS: process.env.KAFKA_BROKERS,
      MONGO_URL: `${process.env.MONGO_URL}/${api.dbName}`,
      TOPIC_PREFIX: api.topology.prefix,
      PORT: '0',
      LOG_LEVEL: 'silent',
      BATCH_MAX_WAIT_MS: '200',
    };
    workers.push(createPersistence(parseConfig(OrderPersistenceEnv, env)), createInventory(parseConfig(InventoryEnv, env)));
    await Promise.all(workers.map((w) => w.start()));
  }, 60_000);
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop()));
    await api.close();
  });

  const order = (orderId: string, items: [string, number][]) => ({
    orderId,
    customer: { name: 'Ada', phone: '+44 20 7946 0000' },
    items: items.map(([productId, quantity]) => ({ productId, medication: productId, quantity, unitPrice: 2 })),
    totalPrice: items.reduce((n, [, q]) => n + 2 * q, 0),
    orderDate: new Date().toISOString(),
  });
  /** Polls the read model the way a client would, until the order shows a fulfilment state. */
  const fulfilment = (orderId: string, state: string) =>
    waitFor(`order ${orderId} fulfilment ${state}`, async () => {
      const res = await api.request('GET', `/api/v1/orders/${orderId}`);
      return res.status === 200 && res.body.fulfilment?.state === state ? res.body : undefined;
    }, { timeoutMs: 20_000, intervalMs: 100 });

  it('when orders are accepted, then GET shows reserved or failed within seconds, and a cancel shows released with the stock back', async () => {
    for (const [productId, stock] of [['amox', 5], ['ibu', 1]] as const) {
      expect((await api.request('POST', '/api/v1/products', { body: { productId, name: productId, stock, lowStockThreshold: 0 } })).status).toBe(201);
    }
    const ok = await api.request('POST', '/api/v1/orders', { body: order('fill-me', [['amox', 2], ['ibu', 1]]) });
    expect(ok.status).toBe(202);
    const started = Date.now();
    const reserved = await fulfilment('fill-me', 'reserved');
    const seenAfterMs = Date.now() - started;
    expect(reserved.fulfilment.items).toEqual(expect.arrayContaining([expect.objectContaining({ productId: 'amox', quantity: 2 }), expect.objectContaining({ productId: 'ibu', quantity: 1 })]));
    expect(seenAfterMs).toBeLessThan(10_000);

    const short = await api.request('POST', '/api/v1/orders', { body: order('cannot-fill', [['amox', 1], ['ibu', 1]]) });
    expect(short.status).toBe(202);
    const failed = await fulfilment('cannot-fill', 'failed');
    expect(failed.fulfilment.items).toEqual([expect.objectContaining({ productId: 'ibu', quantity: 1, available: 0, reason: 'insufficient_stock' })]);
    expect((await api.request('GET', '/api/v1/products/amox')).body.stock).toBe(3);

    expect((await api.request('POST', '/api/v1/orders/fill-me/status', { body: { status: 'cancelled' } })).status).toBe(202);
    await fulfilment('fill-me', 'released');
    expect((await api.request('GET', '/api/v1/products/amox')).body.stock).toBe(5);
    expect((await api.request('GET', '/api/v1/products/ibu')).body.stock).toBe(1);
  }, 120_000);
});
