/**
 * Order-persistence benchmark (issue 4): drain the same preloaded backlog with the batched,
 * idempotent order-persistence worker and with a naive one-insert-per-event consumer; report
 * events/s for both, their ratio (goal ≥ 20×) and MongoDB write commands per 1,000 events
 * (goal ≤ 10). `BENCH_EVENTS` (default 100000) sizes the backlog; `BENCH_MONGO_URL` points at a
 * real MongoDB, otherwise a private FerretDB (indexed-_id build, see the test helper) is used.
 */
import mongoose from 'mongoose';
import pino from 'pino';
import { parseConfig } from '@medlives/runtime';
import { databaseUrl, isolatedTopology, orderWorkload, publish, startFerret, waitFor } from '@medlives/testkit';
import { createApp } from '../apps/order-persistence/src/app';
import { OrderPersistenceEnv } from '../apps/order-persistence/src/config';
import { measureAcceptedToPersisted } from './persistence-api-hook';
import { startNaiveConsumer } from './persistence-naive';
import { lagOf } from './lag';
import { writeReport } from './report';

const DEFAULT_EVENTS = Number(process.env.BENCH_EVENTS ?? 100_000);

async function sum(registry: import('prom-client').Registry, name: string, labels: Record<string, string> = {}): Promise<number> {
  const m = await registry.getSingleMetric(name)?.get();
  return (m?.values ?? []).filter((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x)).reduce((n, v) => n + v.value, 0);
}

export interface PersistenceBenchOptions {
  /** @default BENCH_EVENTS or 100000 */
  readonly events?: number;
  /** Also measure accepted→persisted through the API (the one-command bench has its own steady-state scenario). @default true */
  readonly latency?: boolean;
  /** Write bench/results/persistence.{json,md}. @default true */
  readonly write?: boolean;
  /** Started (not awaited) when the batched worker starts draining, e.g. to profile the database. */
  readonly whileOursDrains?: () => Promise<unknown>;
}

export async function runPersistenceBench(options: PersistenceBenchOptions = {}): Promise<Record<string, unknown>> {
  const EVENTS = options.events ?? DEFAULT_EVENTS;
  const ferret = process.env.BENCH_MONGO_URL ? undefined : await startFerret();
  const base = process.env.BENCH_MONGO_URL ?? ferret!.url;
  const dbUrl = (name: string) => (ferret ? databaseUrl(ferret, name) : base.replace(/\/[^/?]*(\?|$)/, `/${name}$1`));
  const topo = await isolatedTopology('bench-persistence');
  try {
    const workload = orderWorkload({ orders: Math.ceil(EVENTS / 2.4), tag: 'bench' });
    const events = workload.events.slice(0, EVENTS);
    console.error(`preloading ${events.length} events (${workload.expected.size} orders)...`);
    await publish(topo.kafka, topo.prefix, events, 5_000);
    const topics = ['order-events', 'status-updates'].map((t) => `${topo.prefix}${t}`);

    // --- ours
    const registry = new (await import('prom-client')).Registry();
    const config = parseConfig(OrderPersistenceEnv, {
      KAFKA_BROKERS: process.env.KAFKA_BROKERS,
      MONGO_URL: dbUrl('bench_batched'),
      TOPIC_PREFIX: topo.prefix,
      PORT: '0',
      LOG_LEVEL: 'error',
      LAG_INTERVAL_MS: '2000',
    });
    const app = createApp(config, { registry, logger: pino({ level: 'error' }) });
    await app.start();
    const oursStart = Date.now();
    const observing = options.whileOursDrains?.();
    await waitFor('the batched worker to drain', async () => (await lagOf(topo.admin, app.consumer!.groupId, topics)) === 0, { timeoutMs: 3_600_000, intervalMs: 200 });
    const oursSeconds = (Date.now() - oursStart) / 1000;
    const ours = {
      seconds: oursSeconds,
      eventsPerSecond: Math.round(events.length / oursSeconds),
      writeCommands: await sum(registry, 'medlives_mongo_write_operations_total'),
      documentsWritten: await sum(registry, 'medlives_mongo_documents_written_total'),
      readCommands: await sum(registry, 'medlives_mongo_read_operations_total'),
      batches: await sum(registry, 'medlives_consumer_commits_total'),
    };
    await app.stop('bench done');
    await observing;

    // --- naive
    const conn = await mongoose.createConnection(dbUrl('bench_naive')).asPromise();
    const naive = await startNaiveConsumer(topo.kafka, conn, topo.prefix);
    const naiveStart = Date.now();
    await waitFor('the naive consumer to drain', async () => (await lagOf(topo.admin, naive.groupId, topics)) === 0, { timeoutMs: 3_600_000, intervalMs: 200 });
    const naiveSeconds = (Date.now() - naiveStart) / 1000;
    const naiveResult = { seconds: naiveSeconds, eventsPerSecond: Math.round(events.length / naiveSeconds), writeCommands: naive.writes() };
    await naive.stop();
    await conn.close();

    const api = options.latency === false ? null : await measureAcceptedToPersisted({ kafkaBrokers: String(process.env.KAFKA_BROKERS), mongoUrl: dbUrl('bench_api'), topicPrefix: topo.prefix, ratePerSecond: 1_000, durationS: 30 });
    const per1000 = (n: number) => Math.round((n / events.length) * 1_000 * 100) / 100;
    const data = {
      events: events.length,
      orders: new Set(events.map((e) => `${e.tenantCode}/${(e.data as { orderId: string }).orderId}`)).size,
      database: ferret ? `FerretDB 1.24 (${ferret.backend}), _id pushdown build` : 'BENCH_MONGO_URL',
      batched: { ...ours, writeCommandsPer1000Events: per1000(ours.writeCommands), avgBatch: Math.round(events.length / Math.max(1, ours.batches)) },
      naive: { ...naiveResult, writeCommandsPer1000Events: per1000(naiveResult.writeCommands) },
      speedup: Math.round((ours.eventsPerSecond / naiveResult.eventsPerSecond) * 10) / 10,
      acceptedToPersisted: api ?? 'not measured (hook in bench/persistence-api-hook.ts)',
      goals: { speedup: '>= 20x', writeCommandsPer1000Events: '<= 10', acceptedToPersistedP99Ms: '<= 1000' },
    };
    if (options.write !== false) writeReport('persistence', data, markdown(data));
    return data;
  } finally {
    await topo.cleanup();
    await ferret?.destroy();
  }
}

function markdown(d: {
  events: number;
  orders: number;
  database: string;
  batched: { eventsPerSecond: number; seconds: number; writeCommandsPer1000Events: number; documentsWritten: number; readCommands: number; avgBatch: number };
  naive: { eventsPerSecond: number; seconds: number; writeCommandsPer1000Events: number };
  speedup: number;
  acceptedToPersisted: unknown;
}): string {
  const api = typeof d.acceptedToPersisted === 'string' ? d.acceptedToPersisted : JSON.stringify(d.acceptedToPersisted);
  return [
    `${d.events} preloaded events (${d.orders} orders; order-events + status-updates), drained by each consumer in turn. Database: ${d.database}.`,
    '',
    '| consumer | events/s | drain time | Mongo write commands / 1,000 events | documents written | read commands |',
    '|---|---:|---:|---:|---:|---:|',
    `| order-persistence (batch ${d.batched.avgBatch} avg, bulk upserts) | ${d.batched.eventsPerSecond} | ${d.batched.seconds.toFixed(1)} s | ${d.batched.writeCommandsPer1000Events} | ${d.batched.documentsWritten} | ${d.batched.readCommands} |`,
    `| naive (insertOne per event) | ${d.naive.eventsPerSecond} | ${d.naive.seconds.toFixed(1)} s | ${d.naive.writeCommandsPer1000Events} | ${d.events} | 0 |`,
    '',
    `Speed-up: **${d.speedup}×** (goal ≥ 20×). Write commands per 1,000 events: **${d.batched.writeCommandsPer1000Events}** (goal ≤ 10).`,
    `Accepted→persisted p99 at 1,000 orders/s through the API: ${api}.`,
  ].join('\n');
}

if (require.main === module) {
  runPersistenceBench().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
