/**
 * The read API the producer API serves from this read model: by id (tenant-scoped, admin any),
 * read-your-writes long-poll, cursor pages, and the status used for 409s.
 */
import { type Envelope, type EventDataInput, createEvent } from '@medlives/events';
import { MAX_WAIT_MS, currentStatus, findOrder, listOrders, waitForOrder } from '@medlives/orders';
import { publish, sampleData, topicSize, waitFor } from '@medlives/testkit';
import { resolveTopicName } from '@medlives/topology';
import type { App } from '../src/app';
import { GROUP, type Harness, harness } from './support/harness';

const actor = { userId: 'clerk-9', role: 'tenant' as const };

function created(tenantCode: string, orderId: string, orderDate: string): Envelope {
  return createEvent({ eventType: 'order.created', tenantCode, source: 'test', actor, data: { ...sampleData('order.created', { tenantCode, orderId }), orderDate, deliveryDate: undefined } });
}
function status(tenantCode: string, orderId: string, newStatus: string): Envelope {
  const data = { orderId, tenantCode, oldStatus: null, newStatus, changedBy: 'clerk-9', at: new Date().toISOString() } as EventDataInput<'status.changed'>;
  return createEvent({ eventType: 'status.changed', tenantCode, source: 'test', actor, data });
}

describe('order reads', () => {
  let h: Harness;
  let app: App;
  beforeAll(async () => {
    h = await harness('op-reads');
    app = await h.startApp();
  });
  afterAll(() => h.cleanup());

  it('when a client waits for an order that is published meanwhile, then it returns as soon as it is applied', async () => {
    const started = Date.now();
    const waiting = waitForOrder(h.conn, { tenantCode: 'pharma-r1' }, 'ryw-1', { timeoutMs: 20_000 });
    await publish(h.topo.kafka, h.topo.prefix, [created('pharma-r1', 'ryw-1', '2026-11-21T09:00:00.000Z')]);
    const order = await waiting;
    expect(order).toMatchObject({ orderId: 'ryw-1', tenantCode: 'pharma-r1', status: 'pending', version: 1 });
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(JSON.parse(JSON.stringify(order))).toEqual(order);

    const paid = status('pharma-r1', 'ryw-1', 'paid');
    const waitEvent = waitForOrder(h.conn, { tenantCode: 'pharma-r1' }, 'ryw-1', { eventId: paid.eventId, timeoutMs: 20_000 });
    await publish(h.topo.kafka, h.topo.prefix, [paid]);
    expect(await waitEvent).toMatchObject({ status: 'paid', timeline: [expect.objectContaining({ to: 'pending' }), expect.objectContaining({ eventId: paid.eventId, from: 'pending', to: 'paid' })] });
    await expect(currentStatus(h.conn, { tenantCode: 'pharma-r1' }, 'ryw-1')).resolves.toEqual({ orderId: 'ryw-1', tenantCode: 'pharma-r1', status: 'paid', version: 2, deleted: false });
  });

  it('when the order never arrives, then the wait times out with null after the timeout', async () => {
    const started = Date.now();
    await expect(waitForOrder(h.conn, { tenantCode: 'pharma-r1' }, 'never', { timeoutMs: 1_500 })).resolves.toBeNull();
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_450);
    expect(Date.now() - started).toBeLessThan(5_000);
    // The API cannot hold a request open beyond the 30 s bound.
    const aborted = new AbortController();
    const held = waitForOrder(h.conn, { tenantCode: 'pharma-r1' }, 'never', { timeoutMs: 10 * MAX_WAIT_MS, signal: aborted.signal });
    aborted.abort();
    await expect(held).resolves.toBeNull();
  });

  it('when scopes differ, then a tenant sees only its own orders and an admin any, naming the tenant when ids collide', async () => {
    await publish(h.topo.kafka, h.topo.prefix, [created('pharma-r2', 'shared-id', '2026-11-20T09:00:00.000Z'), created('pharma-r3', 'shared-id', '2026-11-20T09:00:00.000Z'), created('pharma-r2', 'only-r2', '2026-11-20T09:00:00.000Z')]);
    await waitForOrder(h.conn, { tenantCode: 'pharma-r3' }, 'shared-id', { timeoutMs: 20_000 });
    await waitForOrder(h.conn, { tenantCode: 'pharma-r2' }, 'only-r2', { timeoutMs: 20_000 });
    await expect(findOrder(h.conn, { tenantCode: 'pharma-r3' }, 'only-r2')).resolves.toBeNull();
    await expect(findOrder(h.conn, { admin: true }, 'only-r2')).resolves.toMatchObject({ tenantCode: 'pharma-r2' });
    await expect(findOrder(h.conn, { admin: true }, 'shared-id')).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(findOrder(h.conn, { admin: true }, 'shared-id', { tenantCode: 'pharma-r3' })).resolves.toMatchObject({ tenantCode: 'pharma-r3' });
    await expect(findOrder(h.conn, { tenantCode: 'pharma-r2' }, 'shared-id', { tenantCode: 'pharma-r3' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(findOrder(h.conn, { tenantCode: 'pharma-r2' }, '../etc/passwd')).resolves.toBeNull();
  });

  it('when a tenant lists its orders, then pages follow orderDate newest first with a cursor, filtered by status and date', async () => {
    const tenant = 'pharma-list';
    const events = Array.from({ length: 25 }, (_, i) => created(tenant, `l-${String(i).padStart(2, '0')}`, new Date(Date.UTC(2026, 10, 1 + i, 8)).toISOString()));
    const paid = [3, 7, 11].map((i) => status(tenant, `l-${String(i).padStart(2, '0')}`, 'paid'));
    await publish(h.topo.kafka, h.topo.prefix, [...events, ...paid, created('pharma-other', 'l-99', '2026-11-30T08:00:00.000Z')]);
    for (const p of paid) await waitForOrder(h.conn, { tenantCode: tenant }, (p.data as { orderId: string }).orderId, { eventId: p.eventId, timeoutMs: 20_000 });
    await waitForOrder(h.conn, { tenantCode: tenant }, 'l-24', { timeoutMs: 20_000 });

    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await listOrders(h.conn, { tenantCode: tenant }, { limit: '10', ...(cursor ? { cursor } : {}) } as never);
      seen.push(...page.items.map((o) => o.orderId));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual(events.map((e) => (e.data as { orderId: string }).orderId).reverse());

    const byStatus = await listOrders(h.conn, { tenantCode: tenant }, { status: 'paid' });
    expect(byStatus.items.map((o) => o.orderId)).toEqual(['l-11', 'l-07', 'l-03']);
    const window = await listOrders(h.conn, { tenantCode: tenant }, { from: '2026-11-05T00:00:00.000Z', to: '2026-11-08T00:00:00.000Z' });
    expect(window.items.map((o) => o.orderId)).toEqual(['l-06', 'l-05', 'l-04']);
    const admin = await listOrders(h.conn, { admin: true }, { tenantCode: 'pharma-other' });
    expect(admin.items.map((o) => o.tenantCode)).toEqual(['pharma-other']);
    await expect(listOrders(h.conn, { tenantCode: tenant }, { status: 'teleported' as never })).rejects.toMatchObject({ code: 'SCHEMA_INVALID', message: expect.stringMatching(/^status/) });
    await expect(listOrders(h.conn, { tenantCode: tenant }, { cursor: 'garbage' })).rejects.toMatchObject({ code: 'SCHEMA_INVALID' });
  });

  it('when stock events arrive before and after the order is created, then GET order shows its fulfilment and replays change nothing', async () => {
    const tenantCode = 'pharma-ful';
    const ids = { tenantCode, orderId: 'ful-1' };
    const inventory = (eventType: 'stock.reserved' | 'stock.released' | 'stock.low') =>
      createEvent({ eventType, tenantCode, source: 'inventory', actor: { userId: 'inventory-service', role: 'service' }, data: sampleData(eventType, ids) } as never) as Envelope;
    const reserved = inventory('stock.reserved');
    // The reservation overtakes the creation (another topic): it must be kept, not dead-lettered.
    await publish(h.topo.kafka, h.topo.prefix, [reserved, inventory('stock.low')]);
    await waitFor('the early reservation to be stored', async () => (await h.conn.collection('orders').findOne({ _id: `${tenantCode}/ful-1` as never }))?.fulfilment);
    await expect(findOrder(h.conn, { tenantCode }, 'ful-1')).resolves.toBeNull();
    await publish(h.topo.kafka, h.topo.prefix, [created(tenantCode, 'ful-1', '2026-11-21T09:00:00.000Z')]);
    const order = await waitForOrder(h.conn, { tenantCode }, 'ful-1', { timeoutMs: 20_000 });
    expect(order?.fulfilment).toEqual({ state: 'reserved', items: [{ productId: 'prod-amox', quantity: 2, remaining: 98 }], eventId: reserved.eventId, at: reserved.occurredAt });

    const released = inventory('stock.released');
    const cancelled = status(tenantCode, 'ful-1', 'cancelled');
    await publish(h.topo.kafka, h.topo.prefix, [cancelled, released]);
    await waitForOrder(h.conn, { tenantCode }, 'ful-1', { eventId: released.eventId, timeoutMs: 20_000 });
    const after = await waitForOrder(h.conn, { tenantCode }, 'ful-1', { eventId: cancelled.eventId, timeoutMs: 20_000 });
    expect(after).toMatchObject({ status: 'cancelled', fulfilment: { state: 'released', reason: 'cancelled' } });

    // The same reservation published again (a producer retry): no write, still released.
    await publish(h.topo.kafka, h.topo.prefix, [reserved]);
    const marker = created(tenantCode, 'ful-marker', '2026-11-21T09:00:00.000Z');
    await publish(h.topo.kafka, h.topo.prefix, [marker]);
    await waitForOrder(h.conn, { tenantCode }, 'ful-marker', { timeoutMs: 20_000 });
    await waitFor('the re-published reservation to be consumed', async () => (await app.consumer!.refreshLag()).every((p) => p.lag === 0));
    await expect(findOrder(h.conn, { tenantCode }, 'ful-1')).resolves.toMatchObject({ version: after!.version, fulfilment: { state: 'released' } });
    expect(await topicSize(h.topo.admin, resolveTopicName(GROUP.dlq, h.topo.prefix))).toBe(0);
  });

  it('when the worker runs, then it serves liveness, readiness and the metrics the alerts use', async () => {
    const base = `http://127.0.0.1:${app.port}`;
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const ready = await fetch(`${base}/readyz`);
    expect([ready.status, await ready.json()]).toEqual([200, expect.objectContaining({ ok: true, joined: true, sink: 'reachable' })]);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    for (const name of [
      'medlives_kafka_consumer_lag',
      'medlives_consumer_events_total',
      'medlives_consumer_errors_total',
      'medlives_consumer_dlq_total',
      'medlives_consumer_batch_size',
      'medlives_consumer_batch_duration_seconds',
      'medlives_mongo_write_operations_total',
    ]) {
      expect(metrics).toContain(`# TYPE ${name} `);
    }
    expect(metrics).toMatch(/medlives_consumer_events_total\{[^}]*outcome="processed"[^}]*\} [1-9]/);
    expect(metrics).toMatch(/medlives_kafka_consumer_lag\{[^}]*partition="0"[^}]*\} 0/);
  });
});
