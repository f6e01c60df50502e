/**
 * Notification benchmark (issue 8): one notification-service instance drains a preloaded
 * backlog of order.created events, each asking for an SMS and a push, through a JSON webhook
 * provider that answers every call after 100 ms. Reports notifications/s accepted by the
 * provider (goal ≥ 300) and the ratio to a one-at-a-time sender against the same provider.
 * `BENCH_ORDERS` (default 3000) sizes the backlog; `BENCH_MONGO_URL` points at a real MongoDB,
 * otherwise the local infra's FerretDB is used.
 */
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { Registry } from 'prom-client';
import mongoose from 'mongoose';
import { generateKey } from '@medlives/crypto';
import { parseConfig } from '@medlives/runtime';
import { isolatedTopology, publish, randomName, sampleEvent, waitFor } from '@medlives/testkit';
import { createApp } from '../apps/notification/src/app';
import { NotificationEnv } from '../apps/notification/src/config';
import { webhookProvider } from '../apps/notification/src/channels/webhook';
import { writeReport } from './report';

const ORDERS = Number(process.env.BENCH_ORDERS ?? 3_000);
const PROVIDER_MS = 100;
const BASELINE_SENDS = 30;

/** A provider that accepts every call after 100 ms and counts distinct delivery ids. */
async function slowProvider(): Promise<{ url: string; calls: () => number; ids: Set<string>; times: number[]; close(): Promise<void> }> {
  const ids = new Set<string>();
  const times: number[] = [];
  let calls = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      setTimeout(() => {
        calls++;
        ids.add((JSON.parse(Buffer.concat(chunks).toString()) as { id: string }).id);
        times.push(Date.now());
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      }, PROVIDER_MS);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/send`,
    calls: () => calls,
    ids,
    times,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/** The same provider driven one call at a time: what a sender inside the consumer loop would get. */
async function oneAtATime(url: string): Promise<number> {
  const provider = webhookProvider({ url });
  const started = Date.now();
  for (let i = 0; i < BASELINE_SENDS; i++) {
    await provider.send({ deliveryId: `baseline-${i}`, channel: 'sms', recipient: '+49 1', subject: '', body: 'x', eventId: 'e', eventType: 'order.created', tenantCode: 't' }, AbortSignal.timeout(5_000));
  }
  return BASELINE_SENDS / ((Date.now() - started) / 1000);
}

async function sum(registry: Registry, name: string, labels: Record<string, string> = {}): Promise<number> {
  const m = await registry.getSingleMetric(name)?.get();
  return (m?.values ?? []).filter((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x)).reduce((n, v) => n + v.value, 0);
}

export async function runNotificationBench(): Promise<Record<string, unknown>> {
  const topo = await isolatedTopology('bench-notify');
  const provider = await slowProvider();
  const base = new URL(process.env.BENCH_MONGO_URL ?? process.env.MONGO_URL!);
  base.pathname = `/${randomName('bench_notify').replace(/[^a-zA-Z0-9_]/g, '_')}`;
  try {
    const tenants = Array.from({ length: 24 }, (_, i) => `pharma-${String(i + 1).padStart(3, '0')}`);
    const events = Array.from({ length: ORDERS }, (_, i) => {
      const e = sampleEvent('order.created', { tenantCode: tenants[i % tenants.length]!, orderId: `ord-${i}` });
      e.data.customer = { name: 'Bench', phone: `+49 30 ${String(i).padStart(7, '0')}` };
      return e;
    });
    console.error(`preloading ${events.length} order.created events (${events.length * 2} notifications)...`);
    await publish(topo.kafka, topo.prefix, events, 5_000);
    const expected = events.length * 2;

    const registry = new Registry();
    const config = parseConfig(NotificationEnv, {
      KAFKA_BROKERS: process.env.KAFKA_BROKERS,
      MONGO_URL: base.toString(),
      TOPIC_PREFIX: topo.prefix,
      PORT: '0',
      LOG_LEVEL: 'error',
      LAG_INTERVAL_MS: '2000',
      NOTIFY_SMS_PROVIDER: 'webhook',
      NOTIFY_SMS_WEBHOOK_URL: provider.url,
      NOTIFY_PUSH_PROVIDER: 'webhook',
      NOTIFY_PUSH_WEBHOOK_URL: provider.url,
      NOTIFY_EMAIL_PROVIDER: 'none',
      ENCRYPTION_KEYS: `bench:${generateKey()}`,
      ...Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('NOTIFY_') || k.startsWith('BATCH_'))),
    });
    const app = createApp(config, { registry, logger: pino({ level: 'error' }) });
    const started = Date.now();
    await app.start();
    const progress = setInterval(() => {
      const s = Math.round((Date.now() - started) / 1000);
      console.error(`  ${s} s: ${provider.ids.size}/${expected} notifications accepted by the provider`);
    }, 5_000);
    await waitFor('every notification accepted', () => provider.ids.size >= expected, { timeoutMs: 3_600_000, intervalMs: 100 });
    clearInterval(progress);
    const seconds = (Date.now() - started) / 1000;
    // steady state: the middle 80 % of deliveries, excluding start-up and the tail
    const t = [...provider.times].sort((a, b) => a - b);
    const lo = t[Math.floor(t.length * 0.1)]!;
    const hi = t[Math.floor(t.length * 0.9)]!;
    const steady = (t.length * 0.8) / ((hi - lo) / 1000);
    const duplicates = provider.calls() - provider.ids.size;
    const consumerBatches = await sum(registry, 'medlives_consumer_commits_total');
    const batchHistogram = await registry.getSingleMetric('medlives_consumer_batch_duration_seconds')?.get();
    const batchSeconds = (batchHistogram?.values ?? []).filter((v) => (v as { metricName?: string }).metricName?.endsWith('_sum')).reduce((n, v) => n + v.value, 0);
    await app.stop('bench done');
    const conn = await mongoose.createConnection(base.toString()).asPromise();
    await conn.dropDatabase().catch(() => undefined);
    await conn.close();

    const baseline = await oneAtATime(provider.url);
    const overall = expected / seconds;
    const result = {
      orders: events.length,
      notifications: expected,
      providerLatencyMs: PROVIDER_MS,
      seconds,
      notificationsPerSecond: Math.round(overall),
      steadyNotificationsPerSecond: Math.round(steady),
      oneAtATimePerSecond: Number(baseline.toFixed(2)),
      ratio: Number((overall / baseline).toFixed(1)),
      duplicatesAtProvider: duplicates,
      consumerCommits: consumerBatches,
      meanSinkBatchMs: consumerBatches ? Number(((batchSeconds / consumerBatches) * 1000).toFixed(1)) : null,
      concurrencyPerChannel: config.NOTIFY_CONCURRENCY,
      database: process.env.BENCH_MONGO_URL ? 'BENCH_MONGO_URL' : 'local infra (FerretDB)',
      goal: '>= 300 notifications/s with a 100 ms provider',
    };
    const md = [
      '| measure | value |',
      '|---|---|',
      `| backlog | ${result.orders} order.created → ${result.notifications} notifications (SMS + push) |`,
      `| provider | JSON webhook answering after ${PROVIDER_MS} ms |`,
      `| one instance, overall (start to last accepted) | **${result.notificationsPerSecond} notifications/s** (${seconds.toFixed(1)} s) |`,
      `| one instance, steady state (middle 80 %) | ${result.steadyNotificationsPerSecond} notifications/s |`,
      `| one-at-a-time sender, same provider | ${result.oneAtATimePerSecond} notifications/s |`,
      `| ratio | **${result.ratio}×** |`,
      `| duplicate calls at the provider | ${result.duplicatesAtProvider} |`,
      `| consumer commits / mean sink batch | ${result.consumerCommits} / ${result.meanSinkBatchMs} ms |`,
      `| database | ${result.database} |`,
    ].join('\n');
    writeReport('notification', result, md);
    return result;
  } finally {
    await provider.close();
    await topo.cleanup();
  }
}
