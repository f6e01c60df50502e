/**
 * Issue 10: 1,000 concurrent SSE watchers on one API instance (its own process, as deployed) each
 * receive a new position within 2 s; the output reports the server's memory per watcher and the
 * load average the number was taken under (2-core CI machines are shared: indicative only).
 */
import { createServer } from 'node:net';
import { loadavg } from 'node:os';
import mongoose from 'mongoose';
import { type ChildApp, type IsolatedTopology, type SseClient, isolatedTopology, openSse, randomMongoUrl, sampleData, spawnApp, waitFor } from '@medlives/testkit';
import { PositionStore } from '../../delivery-tracking/src/store/positions';
import { API_KEYS, TENANT_KEY } from './harness';

const WATCHERS = 1_000;
const ORDERS = 10;

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

async function serverMemory(base: string): Promise<{ rss: number; heap: number }> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const value = (name: string) => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)`, 'm').exec(text)?.[1]);
  return { rss: value('medlives_process_resident_memory_bytes'), heap: value('medlives_nodejs_heap_size_used_bytes') };
}

describe('1,000 delivery watchers on one API instance', () => {
  let topo: IsolatedTopology;
  let api: ChildApp;
  let base: string;
  let db: mongoose.Connection;
  const streams: SseClient[] = [];
  beforeAll(async () => {
    topo = await isolatedTopology('sse-load');
    const { url } = randomMongoUrl('sse-load');
    db = await mongoose.createConnection(url).asPromise();
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    api = spawnApp('producer-api', { PORT: String(port), API_KEYS, KAFKA_BROKERS: process.env.KAFKA_BROKERS!, MONGO_URL: url, TOPIC_PREFIX: topo.prefix, LOG_LEVEL: 'warn', RATE_LIMIT_PER_SECOND: '100000', RATE_LIMIT_BURST: '100000', SSE_HEARTBEAT_MS: '15000' });
    await waitFor('the API and its feed', async () => ((await (await fetch(`${base}/readyz`)).json()) as { checks: { deliveryFeed: unknown } }).checks.deliveryFeed === true, { timeoutMs: 60_000, intervalMs: 250 });
  }, 90_000);
  afterAll(async () => {
    for (const s of streams) s.close();
    api?.process.kill('SIGTERM');
    await api?.exited;
    await db?.dropDatabase().catch(() => undefined);
    await db?.close();
    await topo?.cleanup();
  });

  it('when 1,000 watchers are connected and positions arrive, then each watcher receives its order\'s new position within 2 s', async () => {
    // The orders' first positions are in the store, as delivery-tracking-service left them.
    const store = new PositionStore(db);
    const t = Date.now();
    const orderId = (i: number) => `ord-load-${i}`;
    for (let i = 0; i < ORDERS; i++) {
      await store.record({ tenantCode: 'pharma-001', eventId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, data: { ...sampleData('delivery.location.update', { orderId: orderId(i) }), at: new Date(t - 60_000).toISOString() } as never });
    }
    const before = await serverMemory(base);
    for (let i = 0; i < WATCHERS; i += 100) {
      streams.push(...(await Promise.all(Array.from({ length: 100 }, (_, j) => openSse(`${base}/api/v1/deliveries/${orderId((i + j) % ORDERS)}/stream`, { authorization: `Bearer ${TENANT_KEY}` })))));
    }
    expect(streams.map((s) => s.status).filter((s) => s !== 200)).toEqual([]);
    await waitFor('every snapshot', () => streams.every((s) => s.events.length === 1), { timeoutMs: 30_000, intervalMs: 100 });
    const during = await serverMemory(base);

    const sent = performance.now();
    // When each order's position was accepted (202: Kafka acknowledged it).
    const acceptedAt: number[] = [];
    const posts = await Promise.all(
      Array.from({ length: ORDERS }, async (_, i) => {
        const { orderId: _o, ...data } = sampleData('delivery.location.update') as Record<string, unknown>;
        const res = await fetch(`${base}/api/v1/deliveries/${orderId(i)}/locations`, { method: 'POST', headers: { authorization: `Bearer ${TENANT_KEY}`, 'content-type': 'application/json' }, body: JSON.stringify({ ...data, lat: 42, at: new Date(t).toISOString() }) });
        acceptedAt[i] = performance.now();
        return res;
      }),
    );
    const acked = performance.now() - sent;
    expect(posts.map((p) => p.status).filter((s) => s !== 202)).toEqual([]);
    await waitFor('every watcher to get the new position', () => streams.every((s) => s.events.length === 2), { timeoutMs: 10_000, intervalMs: 20 });
    const fromPost = streams.map((s) => s.events[1]!.receivedAt - sent).sort((x, y) => x - y);
    const latencies = streams.map((s, k) => s.events[1]!.receivedAt - acceptedAt[k % ORDERS]!).sort((x, y) => x - y);
    for (const s of streams) expect(JSON.parse(s.events[1]!.data)).toMatchObject({ lat: 42, at: new Date(t).toISOString() });
    const p = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!;
    const perWatcher = { rss: (during.rss - before.rss) / WATCHERS, heap: (during.heap - before.heap) / WATCHERS };
    process.stdout.write(
      `SSE load: ${WATCHERS} watchers on ${ORDERS} orders, ${ORDERS} positions posted at once (all acknowledged after ${acked.toFixed(0)} ms): latency from acceptance p50 ${p(0.5).toFixed(0)} ms, p99 ${p(0.99).toFixed(0)} ms, max ${latencies.at(-1)!.toFixed(0)} ms (from the POSTs' start: max ${fromPost.at(-1)!.toFixed(0)} ms); ` +
        `server memory per watcher: RSS ${(perWatcher.rss / 1024).toFixed(1)} KiB, heap ${(perWatcher.heap / 1024).toFixed(1)} KiB ` +
        `(RSS ${(before.rss / 2 ** 20).toFixed(0)} → ${(during.rss / 2 ** 20).toFixed(0)} MiB); load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}\n`,
    );
    expect(latencies.at(-1)!).toBeLessThan(2_000);
  }, 120_000);
});
