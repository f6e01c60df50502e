/**
 * Analytics benchmark (issue 9): drain one preloaded backlog of order and status events with one
 * analytics-service instance and, in the same run, with one order-persistence instance (each its
 * own consumer group on the same topics); report events/s and database write commands per 1,000
 * events for both. `BENCH_EVENTS` (default 20000) sizes the backlog; `BENCH_MONGO_URL` points at a
 * real MongoDB, otherwise a private FerretDB (indexed-_id build) is used.
 */
import pino from 'pino';
import { Registry } from 'prom-client';
import { parseConfig } from '@medlives/runtime';
import { databaseUrl, isolatedTopology, orderWorkload, publish, startFerret, waitFor } from '@medlives/testkit';
import { createApp as createAnalytics } from '../apps/analytics/src/app';
import { AnalyticsEnv } from '../apps/analytics/src/config';
import { createApp as createPersistence } from '../apps/order-persistence/src/app';
import { OrderPersistenceEnv } from '../apps/order-persistence/src/config';
import { lagOf } from './lag';
import { writeReport } from './report';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 20_000);

async function sum(registry: Registry, name: string): Promise<number> {
  return ((await registry.getSingleMetric(name)?.get())?.values ?? []).reduce((n, v) => n + v.value, 0);
}

interface Drained {
  eventsPerSecond: number;
  seconds: number;
  writeCommands: number;
  writeCommandsPer1000Events: number;
}

export async function runAnalyticsBench(): Promise<Record<string, unknown>> {
  const ferret = process.env.BENCH_MONGO_URL ? undefined : await startFerret();
  const base = process.env.BENCH_MONGO_URL ?? ferret!.url;
  const dbUrl = (name: string) => (ferret ? databaseUrl(ferret, name) : base.replace(/\/[^/?]*(\?|$)/, `/${name}$1`));
  const topo = await isolatedTopology('bench-analytics');
  try {
    const workload = orderWorkload({ orders: Math.ceil(EVENTS / 2.4), tag: 'bench' });
    const events = workload.events.slice(0, EVENTS);
    console.error(`preloading ${events.length} events (${workload.expected.size} orders)...`);
    await publish(topo.kafka, topo.prefix, events, 5_000);
    const topics = ['order-events', 'status-updates'].map((t) => `${topo.prefix}${t}`);
    const env = { KAFKA_BROKERS: process.env.KAFKA_BROKERS, TOPIC_PREFIX: topo.prefix, PORT: '0', LOG_LEVEL: 'error', LAG_INTERVAL_MS: '2000' };

    async function drain(label: string, start: (registry: Registry) => { start(): Promise<void>; stop(r?: string): Promise<void>; consumer?: { groupId: string } | undefined }, writesMetric: string): Promise<Drained> {
      const registry = new Registry();
      const app = start(registry);
      await app.start();
      const t0 = Date.now();
      await waitFor(`${label} to drain`, async () => (await lagOf(topo.admin, app.consumer!.groupId, topics)) === 0, { timeoutMs: 3_600_000, intervalMs: 200 });
      const seconds = (Date.now() - t0) / 1000;
      const writeCommands = await sum(registry, writesMetric);
      await app.stop('bench done');
      return { seconds, eventsPerSecond: Math.round(events.length / seconds), writeCommands, writeCommandsPer1000Events: Math.round((writeCommands / events.length) * 1_000 * 100) / 100 };
    }

    const analytics = await drain('analytics-service', (registry) => createAnalytics(parseConfig(AnalyticsEnv, { ...env, MONGO_URL: dbUrl('bench_analytics') }), { registry, logger: pino({ level: 'error' }) }) as never, 'medlives_analytics_write_commands_total');
    const persistence = await drain('order-persistence', (registry) => createPersistence(parseConfig(OrderPersistenceEnv, { ...env, MONGO_URL: dbUrl('bench_orders') }), { registry, logger: pino({ level: 'error' }) }) as never, 'medlives_mongo_write_operations_total');
    const data = {
      events: events.length,
      orders: workload.expected.size,
      database: ferret ? 'FerretDB 1.24 (SQLite), indexed-_id build' : 'BENCH_MONGO_URL',
      analytics,
      orderPersistence: persistence,
      note: 'one instance each, drained one after the other from the same preloaded topics; on a shared, loaded machine the numbers are indicative',
    };
    writeReport('analytics', data, markdown(data));
    return data;
  } finally {
    await topo.cleanup();
    await ferret?.destroy();
  }
}

function markdown(d: { events: number; orders: number; database: string; analytics: Drained; orderPersistence: Drained; note: string }): string {
  const row = (name: string, r: Drained) => `| ${name} | ${r.eventsPerSecond} | ${r.seconds.toFixed(1)} s | ${r.writeCommands} | ${r.writeCommandsPer1000Events} |`;
  return [
    `${d.events} preloaded events (${d.orders} orders; order-events + status-updates), drained by one instance of each group in turn. Database: ${d.database}.`,
    '',
    '| consumer group | events/s | drain time | write commands | write commands / 1,000 events |',
    '|---|---:|---:|---:|---:|',
    row('analytics-service (batch 1,000 / 30 s, one bulkWrite of changed facts)', d.analytics),
    row('order-persistence-service (batch 100 / 5 s, bulk upserts)', d.orderPersistence),
    '',
    d.note,
  ].join('\n');
}
