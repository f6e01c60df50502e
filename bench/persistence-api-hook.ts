/**
 * Accepted→persisted latency through the producer API (issue 4: p99 ≤ 1 s at a steady
 * 1,000 orders/s): the API runs as a child process, the order-persistence worker in this one;
 * orders are posted at a fixed rate, and each order's latency is the time from its 202 to the
 * moment the worker first wrote it (the read model's `firstSeenAt`; same machine, same clock).
 */
import { spawn } from 'node:child_process';
import { type AddressInfo, createServer } from 'node:net';
import { join } from 'node:path';
import mongoose from 'mongoose';
import pino from 'pino';
import { ordersCollection } from '@medlives/orders';
import { createRegistry, parseConfig } from '@medlives/runtime';
import { sampleData, waitFor } from '@medlives/testkit';
import { lagOf } from './lag';
import { createKafka } from '@medlives/kafka';
import { createApp } from '../apps/order-persistence/src/app';
import { OrderPersistenceEnv } from '../apps/order-persistence/src/config';

export interface ApiLatencyContext {
  readonly kafkaBrokers: string;
  readonly mongoUrl: string;
  readonly topicPrefix: string;
  readonly ratePerSecond: number;
  readonly durationS: number;
  /** Samples the worker's consumer lag every second while the load runs and until it drains. */
  readonly sampleLag?: boolean;
  readonly onProgress?: (line: string) => void;
}

export interface ApiLatencyResult {
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly orders: number;
  readonly refused: number;
  /** Orders posted per second over the load phase (the offered rate, if the generator kept up). */
  readonly achievedPerSecond: number;
  /** Seconds since the load started → uncommitted events of the worker's group. */
  readonly lag: Array<{ t: number; lag: number }>;
}

const KEY = 'bench-latency-key-01';

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export async function measureAcceptedToPersisted(ctx: ApiLatencyContext): Promise<ApiLatencyResult | null> {
  const env = { KAFKA_BROKERS: ctx.kafkaBrokers, MONGO_URL: ctx.mongoUrl, TOPIC_PREFIX: ctx.topicPrefix, LOG_LEVEL: 'error' };
  const worker = createApp(parseConfig(OrderPersistenceEnv, { ...env, PORT: '0' }), { registry: createRegistry('bench-worker', { defaultMetrics: false }), logger: pino({ level: 'error' }) });
  await worker.start();
  const PORT = await freePort();
  const api = spawn(join(__dirname, '..', 'node_modules', '.bin', 'tsx'), ['apps/producer-api/src/main.ts'], {
    cwd: join(__dirname, '..'),
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, ...env, PORT: String(PORT), API_KEYS: `bench-tenant:${KEY}`, RATE_LIMIT_PER_SECOND: '1000000', RATE_LIMIT_BURST: '1000000' },
  });
  const conn = await mongoose.createConnection(ctx.mongoUrl).asPromise();
  const admin = createKafka({ brokers: ctx.kafkaBrokers.split(','), clientId: 'bench-lag' }).admin();
  const lag: Array<{ t: number; lag: number }> = [];
  let sampler: NodeJS.Timeout | undefined;
  try {
    await admin.connect();
    await waitFor('the API', async () => (await fetch(`http://127.0.0.1:${PORT}/readyz`).catch(() => undefined))?.status === 200, { timeoutMs: 60_000, intervalMs: 200 });
    const { tenantCode: _t, orderId: _o, status: _s, paymentStatus: _p, ...order } = sampleData('order.created') as Record<string, unknown>;
    const accepted = new Map<string, number>();
    let refused = 0;
    // Requests in flight are capped: when the API falls behind the offered rate, an unbounded
    // generator opens a socket per late request until the process runs out of descriptors (seen:
    // EMFILE at 1,000/s against an API taking ~500/s). Requests over the cap are shed and counted.
    const MAX_IN_FLIGHT = 256;
    let active = 0;
    let shed = 0;
    const inflight: Promise<void>[] = [];
    const post = async (i: number) => {
      active++;
      try {
        await postOne(i);
      } finally {
        active--;
      }
    };
    const postOne = async (i: number) => {
      const orderId = `lat-${i}`;
      const res = await fetch(`http://127.0.0.1:${PORT}/api/v1/orders`, {
        method: 'POST',
        headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({ ...order, orderId }),
      }).catch(() => undefined);
      if (res?.status === 202) accepted.set(orderId, Date.now());
      else refused++;
      await res?.arrayBuffer().catch(() => undefined);
    };
    // A steady rate: every 10 ms send the orders that are due by now (no coordinated omission).
    const total = ctx.ratePerSecond * ctx.durationS;
    const start = Date.now();
    if (ctx.sampleLag) {
      const groupId = worker.consumer!.groupId;
      const topics = worker.consumer!.topics;
      let busy = false;
      sampler = setInterval(() => {
        if (busy) return;
        busy = true;
        lagOf(admin, groupId, [...topics])
          .then((n) => {
            lag.push({ t: Number(((Date.now() - start) / 1000).toFixed(1)), lag: n });
            if (lag.length % 5 === 0) ctx.onProgress?.(`  ${Math.round((Date.now() - start) / 1000)} s: ${accepted.size} accepted, lag ${n}`);
          })
          .catch(() => undefined)
          .finally(() => (busy = false));
      }, 1_000);
    }
    let sent = 0;
    while (sent < total) {
      const due = Math.min(total, Math.floor(((Date.now() - start) / 1000) * ctx.ratePerSecond));
      while (sent < due) {
        if (active >= MAX_IN_FLIGHT) {
          shed++;
          sent++;
        } else inflight.push(post(sent++));
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    const loadSeconds = (Date.now() - start) / 1000;
    await Promise.all(inflight);
    const orders = ordersCollection(conn);
    await waitFor('every accepted order persisted', async () => (await orders.countDocuments({ created: true })) >= accepted.size, { timeoutMs: 120_000, intervalMs: 500 });
    const docs = await orders.find({ created: true }, { projection: { orderId: 1, firstSeenAt: 1 } }).toArray();
    const latencies = docs
      .map((d) => (accepted.has(d.orderId) ? new Date(d.firstSeenAt).getTime() - accepted.get(d.orderId)! : undefined))
      .filter((v): v is number => v !== undefined)
      .map((v) => Math.max(0, v))
      .sort((a, b) => a - b);
    if (sampler) {
      await waitFor('the worker to commit everything', async () => (await lagOf(admin, worker.consumer!.groupId, [...worker.consumer!.topics])) === 0, { timeoutMs: 60_000, intervalMs: 500 }).catch(() => undefined);
      clearInterval(sampler);
      lag.push({ t: Number(((Date.now() - start) / 1000).toFixed(1)), lag: await lagOf(admin, worker.consumer!.groupId, [...worker.consumer!.topics]) });
    }
    return {
      p50Ms: percentile(latencies, 50),
      p95Ms: percentile(latencies, 95),
      p99Ms: percentile(latencies, 99),
      maxMs: latencies[latencies.length - 1] ?? NaN,
      orders: latencies.length,
      refused: refused + shed,
      achievedPerSecond: Math.round((sent - shed) / loadSeconds),
      lag,
    };
  } finally {
    if (sampler) clearInterval(sampler);
    await admin.disconnect().catch(() => undefined);
    api.kill('SIGTERM');
    await worker.stop('bench done');
    await conn.dropDatabase().catch(() => undefined);
    await conn.close();
  }
}
