/**
 * Issue 10, delivery-tracking-service: the latest position per order, a newer `at` wins and an
 * older one never replaces it; positions expire after a day (TTL index on MongoDB, sweep on
 * FerretDB); a malformed record goes to the group's DLQ and the pipeline continues.
 */
import type { KafkaMessage } from 'kafkajs';
import { DLQ_HEADERS } from '@medlives/consumer';
import { createEvent } from '@medlives/events';
import { detectMongoServer } from '@medlives/mongo';
import { parseConfig } from '@medlives/runtime';
import { CONSUMER_GROUPS, resolveTopicName } from '@medlives/topology';
import { publish, publishRaw, sampleData, waitFor, workerHarness, type WorkerHarness } from '@medlives/testkit';
import { readWholeTopic } from '../../ops/src/dlq/read';
import { createApp } from '../src/app';
import { type DeliveryTrackingConfig, DeliveryTrackingEnv } from '../src/config';
import { DAY_MS, POSITIONS_COLLECTION, PositionStore } from '../src/store/positions';

const GROUP = CONSUMER_GROUPS.deliveryTracking;
type App = ReturnType<typeof createApp>;

function location(orderId: string, at: Date, lat: number, tenantCode = 'pharma-001') {
  return createEvent({
    eventType: 'delivery.location.update',
    tenantCode,
    source: 'test',
    actor: { userId: 'rider-7', role: 'courier' },
    data: { ...sampleData('delivery.location.update', { orderId }), lat, at: at.toISOString() },
  });
}

async function metric(app: App, name: string, labels: Record<string, string>): Promise<number> {
  const m = await app.registry.getSingleMetric(name)?.get();
  return (m?.values ?? []).filter((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l)).reduce((n, v) => n + v.value, 0);
}

describe('delivery-tracking-service', () => {
  let h: WorkerHarness<DeliveryTrackingConfig, App>;
  let app: App;
  let store: PositionStore;
  beforeAll(async () => {
    h = await workerHarness({ label: 'dt', app: 'delivery-tracking', parse: (env) => parseConfig(DeliveryTrackingEnv, env), create: createApp });
    app = await h.startApp();
    store = new PositionStore(h.conn);
  });
  afterAll(() => h?.cleanup());

  it('when an older position arrives after a newer one, then the newer stays and the older is counted stale', async () => {
    const t = Date.now();
    const newer = location('ord-dt-1', new Date(t - 1_000), 10);
    const older = location('ord-dt-1', new Date(t - 60_000), 20);
    await publish(h.topo.kafka, h.topo.prefix, [newer]);
    await waitFor('the newer position', async () => (await store.latest({ tenantCode: 'pharma-001' }, 'ord-dt-1'))?.eventId === newer.eventId);
    await publish(h.topo.kafka, h.topo.prefix, [older]);
    await waitFor('the older one to be refused', async () => (await metric(app, 'medlives_delivery_positions_total', { outcome: 'stale' })) === 1);
    const latest = await store.latest({ tenantCode: 'pharma-001' }, 'ord-dt-1');
    expect(latest).toMatchObject({ eventId: newer.eventId, lat: 10, at: new Date(t - 1_000).toISOString() });
    // Redelivery of the stored one changes nothing either.
    await publish(h.topo.kafka, h.topo.prefix, [newer]);
    await waitFor('the replay to be refused', async () => (await metric(app, 'medlives_delivery_positions_total', { outcome: 'stale' })) === 2);
    expect(await h.conn.collection(POSITIONS_COLLECTION).countDocuments({ orderId: 'ord-dt-1' })).toBe(1);
    // Another tenant's order of the same id is its own position and is not visible across tenants.
    expect(await store.latest({ tenantCode: 'pharma-002' }, 'ord-dt-1')).toBeUndefined();
  });

  it('when the same order is written concurrently with mixed timestamps, then the newest wins', async () => {
    const t = Date.now();
    const ats = [5, 1, 9, 3, 7, 2, 8].map((s) => new Date(t - 60_000 + s * 1_000));
    const results = await Promise.all(ats.map((at, i) => store.record({ tenantCode: 'pharma-001', eventId: `00000000-0000-4000-8000-00000000000${i}`, data: { ...sampleData('delivery.location.update', { orderId: 'ord-dt-2' }), at: at.toISOString() } as never })));
    expect(results).toContain('stored');
    expect((await store.latest({ tenantCode: 'pharma-001' }, 'ord-dt-2'))?.at).toBe(new Date(t - 60_000 + 9_000).toISOString());
  });

  it('when positions are older than a day, then reads ignore them and the expiry removes them (TTL index on MongoDB, sweep on FerretDB)', async () => {
    const server = await detectMongoServer(h.conn);
    let now = new Date();
    const clocked = new PositionStore(h.conn, DAY_MS, () => now);
    await clocked.init(server, { sweep: false });
    const indexes = await h.conn.collection(POSITIONS_COLLECTION).indexes();
    // The dialect decides: a TTL index exactly where the server has them.
    expect(indexes.some((i) => i.expireAfterSeconds === 0)).toBe(server.ttlIndexes);
    expect(clocked.ttlIndex).toBe(server.ttlIndexes);

    const fresh = location('ord-dt-3', new Date(now.getTime() - 60_000), 1);
    await clocked.record({ tenantCode: fresh.tenantCode, eventId: fresh.eventId, data: fresh.data });
    expect(await clocked.latest({ tenantCode: 'pharma-001' }, 'ord-dt-3')).toBeDefined();
    now = new Date(now.getTime() + DAY_MS);
    expect(await clocked.latest({ tenantCode: 'pharma-001' }, 'ord-dt-3')).toBeUndefined();
    const before = await h.conn.collection(POSITIONS_COLLECTION).countDocuments({});
    const swept = await clocked.sweep();
    expect(swept).toBeGreaterThanOrEqual(1);
    expect(await h.conn.collection(POSITIONS_COLLECTION).countDocuments({ orderId: 'ord-dt-3' })).toBe(0);
    expect(await h.conn.collection(POSITIONS_COLLECTION).countDocuments({})).toBe(before - swept);
  });

  it('when the worker runs on a server without TTL indexes, then its periodic sweep deletes expired positions', async () => {
    const server = await detectMongoServer(h.conn);
    const stale = location('ord-dt-4', new Date(Date.now() - 2 * DAY_MS), 1);
    await new PositionStore(h.conn).record({ tenantCode: stale.tenantCode, eventId: stale.eventId, data: stale.data });
    expect(await h.conn.collection(POSITIONS_COLLECTION).countDocuments({ orderId: 'ord-dt-4' })).toBe(1);
    if (server.ttlIndexes) return; // MongoDB's TTL monitor runs every 60 s; the index is checked above.
    const sweeping = await h.startApp({ POSITION_SWEEP_MS: '200' });
    await waitFor('the sweep', async () => (await h.conn.collection(POSITIONS_COLLECTION).countDocuments({ orderId: 'ord-dt-4' })) === 0, { timeoutMs: 10_000 });
    await sweeping.stop();
  });

  it('when a malformed record arrives, then it goes to the group DLQ and the next position is stored', async () => {
    const topic = resolveTopicName(GROUP.topics[0]!, h.topo.prefix);
    await publishRaw(h.topo.kafka, topic, [{ key: 'rider-7', value: '{not json' }, { key: 'rider-7', value: '{"eventType":"delivery.location.update","data":{}}' }]);
    const after = location('ord-dt-5', new Date(), 3);
    await publish(h.topo.kafka, h.topo.prefix, [after]);
    await waitFor('the position after the poison', async () => (await store.latest({ tenantCode: 'pharma-001' }, 'ord-dt-5'))?.eventId === after.eventId, { timeoutMs: 30_000 });
    const dead = await waitFor('two dead letters', async () => {
      const all = await readWholeTopic(h.topo.kafka, resolveTopicName(GROUP.dlq, h.topo.prefix));
      return all.length >= 2 ? all : undefined;
    }, { timeoutMs: 30_000 });
    const header = (m: KafkaMessage, name: string) => m.headers?.[name]?.toString();
    expect(dead.map((d) => header(d.message, DLQ_HEADERS.errorCode)).sort()).toEqual(['MALFORMED_JSON', 'SCHEMA_INVALID']);
    expect(dead.every((d) => header(d.message, DLQ_HEADERS.originalTopic) === topic)).toBe(true);
  });
});
