import type { Kafka } from 'kafkajs';
import { type Envelope, createEvent } from '@medlives/events';
import { InventoryStore } from '@medlives/inventory';
import { parseConfig } from '@medlives/runtime';
import { CONSUMER_GROUPS, TOPICS, resolveTopicName } from '@medlives/topology';
import { type WorkerHarness, groupLag, publish, publishRaw, sampleData, waitFor, workerHarness } from '@medlives/testkit';
import type { ConsumerApp } from '@medlives/consumer';
import { createApp } from '../src/app';
import { type InventoryConfig, InventoryEnv } from '../src/config';

const GROUP = CONSUMER_GROUPS.inventory;
const TENANT = 'pharma-001';
const actor = { userId: 'test', role: 'tenant' as const };

function orderCreated(orderId: string, items: { productId: string; quantity: number }[], tenantCode = TENANT): Envelope {
  const lines = items.map((i) => ({ ...i, medication: i.productId, unitPrice: 1 }));
  const base = sampleData('order.created', { tenantCode, orderId });
  return createEvent({ eventType: 'order.created', tenantCode, source: 'test', actor, data: { ...base, items: lines, totalPrice: lines.reduce((n, l) => n + l.quantity, 0) } });
}

function cancelled(orderId: string): Envelope {
  return createEvent({
    eventType: 'status.changed',
    tenantCode: TENANT,
    source: 'test',
    actor,
    data: { orderId, tenantCode: TENANT, oldStatus: 'pending', newStatus: 'cancelled', changedBy: 'test', at: new Date().toISOString() },
  });
}

/** Every record on the group's output topic, decoded. */
async function inventoryEvents(kafka: Kafka, prefix: string): Promise<Envelope[]> {
  const topic = resolveTopicName(TOPICS.inventoryEvents, prefix);
  const admin = kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  const total = ends.reduce((n, p) => n + Number(p.high), 0);
  const out: Envelope[] = [];
  if (total === 0) return out;
  const consumer = kafka.consumer({ groupId: `${prefix}reader-${Math.random()}` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await new Promise<void>((resolve) => {
    void consumer.run({
      eachMessage: async ({ message }) => {
        out.push(JSON.parse(message.value!.toString()) as Envelope);
        if (out.length >= total) resolve();
      },
    });
  });
  await consumer.disconnect();
  return out;
}

describe('inventory-service', () => {
  let h: WorkerHarness<InventoryConfig, ConsumerApp>;
  let store: InventoryStore;

  beforeAll(async () => {
    h = await workerHarness({ label: 'inventory', app: 'inventory', parse: (env) => parseConfig(InventoryEnv, env), create: createApp });
    store = new InventoryStore(h.conn);
    await h.startApp();
  }, 60_000);
  afterAll(() => h.cleanup());

  const drained = () => waitFor('inventory-service to commit everything', async () => (await groupLag(h.topo.admin, GROUP, h.topo.prefix)) === 0, { timeoutMs: 120_000, intervalMs: 250 });
  const stockOf = async (productId: string, tenantCode = TENANT) => (await store.get({ tenantCode }, productId))?.stock;

  it('when 50 orders compete for a stock of 20, then exactly 20 are reserved, 30 fail, stock ends at 0 and stock.low fires once', async () => {
    await store.create(TENANT, { productId: 'amox', name: 'Amoxicillin', stock: 20, lowStockThreshold: 5 });
    const orders = Array.from({ length: 50 }, (_, i) => orderCreated(`race-${i}`, [{ productId: 'amox', quantity: 1 }]));
    await publish(h.topo.kafka, h.topo.prefix, orders);
    await drained();
    expect(await stockOf('amox')).toBe(0);
    const events = (await inventoryEvents(h.topo.kafka, h.topo.prefix)).filter((e) => (e.data as { orderId?: string }).orderId?.startsWith('race-') || e.eventType === 'stock.low');
    const reserved = events.filter((e) => e.eventType === 'stock.reserved');
    const failed = events.filter((e) => e.eventType === 'stock.reservation_failed');
    expect(reserved).toHaveLength(20);
    expect(failed).toHaveLength(30);
    expect(new Set([...reserved, ...failed].map((e) => (e.data as { orderId: string }).orderId)).size).toBe(50);
    expect(failed[0]!.data).toMatchObject({ items: [{ productId: 'amox', requested: 1, available: 0, reason: 'insufficient_stock' }] });
    const low = events.filter((e) => e.eventType === 'stock.low');
    expect(low.map((e) => e.data)).toEqual([{ productId: 'amox', remaining: 4, threshold: 5 }]);
    // Every outcome names what caused it.
    expect(reserved.every((e) => orders.some((o) => o.eventId === e.causationId))).toBe(true);
  }, 180_000);

  it('when the 3rd item of an order is short, then items 1 and 2 keep their stock and the failure names item 3', async () => {
    await store.create(TENANT, { productId: 'p1', name: 'One', stock: 10, lowStockThreshold: 0 });
    await store.create(TENANT, { productId: 'p2', name: 'Two', stock: 10, lowStockThreshold: 0 });
    await store.create(TENANT, { productId: 'p3', name: 'Three', stock: 1, lowStockThreshold: 0 });
    await publish(h.topo.kafka, h.topo.prefix, [orderCreated('three-items', [{ productId: 'p1', quantity: 2 }, { productId: 'p2', quantity: 3 }, { productId: 'p3', quantity: 5 }])]);
    await drained();
    expect([await stockOf('p1'), await stockOf('p2'), await stockOf('p3')]).toEqual([10, 10, 1]);
    const events = (await inventoryEvents(h.topo.kafka, h.topo.prefix)).filter((e) => (e.data as { orderId?: string }).orderId === 'three-items');
    expect(events.map((e) => [e.eventType, e.data])).toEqual([
      ['stock.reservation_failed', { orderId: 'three-items', productId: 'p1', items: [{ productId: 'p3', requested: 5, available: 1, reason: 'insufficient_stock' }] }],
    ]);
  }, 120_000);

  it('when an order is cancelled and the cancel is delivered again, then its stock comes back once', async () => {
    await store.create(TENANT, { productId: 'ibu', name: 'Ibuprofen', stock: 10, lowStockThreshold: 0 });
    const created = orderCreated('to-cancel', [{ productId: 'ibu', quantity: 4 }]);
    await publish(h.topo.kafka, h.topo.prefix, [created]);
    await drained();
    expect(await stockOf('ibu')).toBe(6);
    const cancel = cancelled('to-cancel');
    await publish(h.topo.kafka, h.topo.prefix, [cancel, cancel, created]);
    await drained();
    expect(await stockOf('ibu')).toBe(10);
    const events = (await inventoryEvents(h.topo.kafka, h.topo.prefix)).filter((e) => (e.data as { orderId?: string }).orderId === 'to-cancel');
    const released = events.filter((e) => e.eventType === 'stock.released');
    // Redeliveries re-publish the same outcome under the same event id: consumers see one release.
    expect(new Set(released.map((e) => e.eventId)).size).toBe(1);
    expect(released[0]!.data).toEqual({ orderId: 'to-cancel', productId: 'ibu', items: [{ productId: 'ibu', quantity: 4, remaining: 10 }], reason: 'cancelled' });
    expect(new Set(events.filter((e) => e.eventType === 'stock.reserved').map((e) => e.eventId)).size).toBe(1);
  }, 120_000);

  it('when a cancel arrives before its order, then the late order reserves nothing', async () => {
    await store.create(TENANT, { productId: 'late', name: 'Late', stock: 3, lowStockThreshold: 0 });
    await publish(h.topo.kafka, h.topo.prefix, [cancelled('early-cancel')]);
    await drained();
    await publish(h.topo.kafka, h.topo.prefix, [orderCreated('early-cancel', [{ productId: 'late', quantity: 2 }])]);
    await drained();
    expect(await stockOf('late')).toBe(3);
  }, 120_000);

  it('when two tenants both have product amox, then an order of one never touches the other', async () => {
    await store.create('pharma-002', { productId: 'amox', name: 'Other amox', stock: 5, lowStockThreshold: 0 });
    await publish(h.topo.kafka, h.topo.prefix, [orderCreated('other-tenant', [{ productId: 'amox', quantity: 2 }], 'pharma-002')]);
    await drained();
    expect([await stockOf('amox', 'pharma-002'), await stockOf('amox')]).toEqual([3, 0]);
  }, 120_000);

  it('when a malformed record arrives on each consumed topic, then it goes to the DLQ and the next order is still reserved', async () => {
    const dlq = resolveTopicName(GROUP.dlq, h.topo.prefix);
    const dlqBefore = (await h.topo.admin.fetchTopicOffsets(dlq)).reduce((n, p) => n + Number(p.high), 0);
    for (const topic of GROUP.topics) await publishRaw(h.topo.kafka, resolveTopicName(topic, h.topo.prefix), [{ key: TENANT, value: '{not json' }]);
    await store.create(TENANT, { productId: 'after', name: 'After', stock: 2, lowStockThreshold: 0 });
    await publish(h.topo.kafka, h.topo.prefix, [orderCreated('after-poison', [{ productId: 'after', quantity: 1 }])]);
    await drained();
    expect(await stockOf('after')).toBe(1);
    const dlqAfter = (await h.topo.admin.fetchTopicOffsets(dlq)).reduce((n, p) => n + Number(p.high), 0);
    expect(dlqAfter - dlqBefore).toBe(GROUP.topics.length);
  }, 120_000);
});
