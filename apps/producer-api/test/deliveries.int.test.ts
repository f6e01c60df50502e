/**
 * Issue 10, live delivery tracking: two API instances, one delivery-tracking worker, one database.
 * A position accepted by either instance reaches SSE watchers on both; an older timestamp never
 * replaces a newer one; Last-Event-ID resumes; heartbeats flow; the stream ends on delivery;
 * everything is tenant-scoped.
 */
import pino from 'pino';
import { createEvent } from '@medlives/events';
import { parseConfig } from '@medlives/runtime';
import { type SseClient, openSse, publish, randomMongoUrl, sampleData, waitFor } from '@medlives/testkit';
import { createApp as createTrackingApp } from '../../delivery-tracking/src/app';
import { DeliveryTrackingEnv } from '../../delivery-tracking/src/config';
import { ADMIN_KEY, type ApiHarness, OTHER_KEY, TENANT_KEY, startApi } from './harness';

const positions = (events: SseClient['events']) => events.filter((e) => e.event === 'position').map((e) => JSON.parse(e.data) as { at: string; lat: number; eventId: string });

function body(at: Date, lat: number) {
  const { orderId: _o, ...rest } = sampleData('delivery.location.update') as Record<string, unknown>;
  return { ...rest, lat, at: at.toISOString() };
}

describe('delivery location and live stream', () => {
  let a: ApiHarness;
  let b: ApiHarness;
  let worker: ReturnType<typeof createTrackingApp>;
  const streams: SseClient[] = [];
  const watch = async (api: ApiHarness, orderId: string, headers: Record<string, string> = {}, key = TENANT_KEY) => {
    const s = await openSse(`${api.base}/api/v1/deliveries/${orderId}/stream`, { authorization: `Bearer ${key}`, ...headers });
    streams.push(s);
    return s;
  };
  const post = (api: ApiHarness, orderId: string, at: Date, lat: number) => api.request('POST', `/api/v1/deliveries/${orderId}/locations`, { body: body(at, lat) });

  beforeAll(async () => {
    const { url } = randomMongoUrl('dlv');
    a = await startApi({ MONGO_URL: url, SSE_HEARTBEAT_MS: '300' });
    b = await startApi({ MONGO_URL: url, SSE_HEARTBEAT_MS: '300' }, { topology: a.topology, recorder: a.recorder });
    worker = createTrackingApp(parseConfig(DeliveryTrackingEnv, { KAFKA_BROKERS: process.env.KAFKA_BROKERS, MONGO_URL: url, TOPIC_PREFIX: a.topology.prefix, PORT: '0', LOG_LEVEL: 'silent' }), { logger: pino({ level: 'silent' }) });
    await worker.start();
    for (const api of [a, b]) await waitFor('the delivery feed', async () => ((await (await fetch(`${api.base}/readyz`)).json()) as { checks: { deliveryFeed: unknown } }).checks.deliveryFeed === true, { timeoutMs: 30_000 });
  });
  afterAll(async () => {
    for (const s of streams) s.close();
    await worker?.stop();
    await b?.close();
    await a?.close();
  });

  it('when a position is posted to one instance, then watchers on both instances receive it within 1 s', async () => {
    const orderId = 'ord-live-1';
    const t = Date.now();
    expect((await post(a, orderId, new Date(t - 10_000), 1)).status).toBe(202);
    await waitFor('the stored position', async () => (await b.request('GET', `/api/v1/deliveries/${orderId}/location`)).status === 200);
    const onA = await watch(a, orderId);
    const onB = await watch(b, orderId);
    expect([onA.status, onB.status]).toEqual([200, 200]);
    expect(onA.headers['content-type']).toMatch(/^text\/event-stream/);
    await waitFor('the snapshots', () => positions(onA.events).length === 1 && positions(onB.events).length === 1);

    const sent = performance.now();
    const accepted = await post(b, orderId, new Date(t - 5_000), 2);
    expect(accepted.status).toBe(202);
    await waitFor('the new position on both', () => positions(onA.events).length === 2 && positions(onB.events).length === 2, { timeoutMs: 5_000, intervalMs: 10 });
    const latency = [onA, onB].map((s) => s.events.filter((e) => e.event === 'position')[1]!.receivedAt - sent);
    process.stdout.write(`SSE fan-out latency (POST on B → watcher on A, on B): ${latency.map((l) => l.toFixed(0)).join(' ms, ')} ms\n`);
    expect(Math.max(...latency)).toBeLessThan(1_000);
    for (const s of [onA, onB]) {
      const last = s.events.filter((e) => e.event === 'position')[1]!;
      expect(last.id).toBe(String(t - 5_000));
      expect(JSON.parse(last.data)).toMatchObject({ orderId, lat: 2, tenantCode: 'pharma-001', eventId: accepted.body.eventId });
    }
  });

  it('when an older position follows a newer one, then neither the store nor the stream goes back', async () => {
    const orderId = 'ord-live-2';
    const t = Date.now();
    await post(a, orderId, new Date(t - 20_000), 1);
    await waitFor('the first position', async () => (await a.request('GET', `/api/v1/deliveries/${orderId}/location`)).status === 200);
    const s = await watch(b, orderId);
    await post(a, orderId, new Date(t - 1_000), 3);
    await waitFor('the newer position', () => positions(s.events).some((p) => p.lat === 3));
    const older = await post(b, orderId, new Date(t - 10_000), 2);
    expect(older.status).toBe(202);
    // The older one is consumed (the worker counts it stale) and never reaches the store or the stream.
    await waitFor('the stale count', async () => {
      const m = await worker.registry.getSingleMetric('medlives_delivery_positions_total')?.get();
      return (m?.values ?? []).some((v) => v.labels.outcome === 'stale' && v.value >= 1);
    });
    const latest = await a.request('GET', `/api/v1/deliveries/${orderId}/location`);
    expect(latest.body).toMatchObject({ lat: 3, at: new Date(t - 1_000).toISOString() });
    await post(a, orderId, new Date(t), 4);
    await waitFor('the newest position', () => positions(s.events).some((p) => p.lat === 4));
    expect(positions(s.events).map((p) => p.lat)).toEqual([1, 3, 4]);
  });

  it('when a watcher resumes with Last-Event-ID, then it gets only what is newer; idle streams get heartbeats', async () => {
    const orderId = 'ord-live-3';
    const at = new Date(Date.now() - 3_000);
    await post(a, orderId, at, 5);
    await waitFor('the position', async () => (await a.request('GET', `/api/v1/deliveries/${orderId}/location`)).status === 200);
    const upToDate = await watch(a, orderId, { 'last-event-id': String(at.getTime()) });
    const behind = await watch(b, orderId, { 'last-event-id': String(at.getTime() - 1) });
    await waitFor('the behind watcher catches up', () => positions(behind.events).length === 1);
    await waitFor('heartbeats', () => upToDate.comments.filter((c) => c === 'heartbeat').length >= 2);
    expect(positions(upToDate.events)).toEqual([]);
    const bad = await openSse(`${a.base}/api/v1/deliveries/${orderId}/stream`, { authorization: `Bearer ${TENANT_KEY}`, 'last-event-id': 'yesterday' });
    expect(bad.status).toBe(400);
  });

  it('when the order is delivered, then the stream sends end and closes', async () => {
    const orderId = 'ord-live-4';
    await post(a, orderId, new Date(Date.now() - 1_000), 6);
    await waitFor('the position', async () => (await a.request('GET', `/api/v1/deliveries/${orderId}/location`)).status === 200);
    const s = await watch(b, orderId);
    await waitFor('the snapshot', () => positions(s.events).length === 1);
    const delivered = createEvent({ eventType: 'status.changed', tenantCode: 'pharma-001', source: 'test', actor: { userId: 'u', role: 'tenant' }, data: { ...sampleData('status.changed', { orderId }), oldStatus: 'shipped', newStatus: 'delivered' } });
    await publish(a.topology.kafka, a.topology.prefix, [delivered]);
    await s.ended;
    expect(s.events.at(-1)).toMatchObject({ event: 'end', data: JSON.stringify({ reason: 'delivered' }) });
  });

  it('when another tenant asks, then it gets 404, or 403 when it names the owner; an admin may read', async () => {
    const orderId = 'ord-live-5';
    await post(a, orderId, new Date(Date.now() - 1_000), 7);
    await waitFor('the position', async () => (await a.request('GET', `/api/v1/deliveries/${orderId}/location`)).status === 200);
    expect((await a.request('GET', `/api/v1/deliveries/${orderId}/location`, { key: OTHER_KEY })).status).toBe(404);
    expect((await a.request('GET', `/api/v1/deliveries/${orderId}/location?tenantCode=pharma-001`, { key: OTHER_KEY })).status).toBe(403);
    const foreign = await watch(a, orderId, {}, OTHER_KEY);
    expect(foreign.status).toBe(404);
    expect((await a.request('GET', `/api/v1/deliveries/${orderId}/location?tenantCode=pharma-001`, { key: ADMIN_KEY })).body).toMatchObject({ lat: 7 });
    expect((await a.request('GET', '/api/v1/deliveries/ord-nobody/location')).status).toBe(404);
  });
});
