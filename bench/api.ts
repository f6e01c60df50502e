/**
 * Producer API benchmark: in one run, on one machine, three variants of the same order request:
 * - kafka:    POST /orders, WRITE_MODE=kafka (validate + publish, 202 after acks=all)
 * - direct:   POST /orders, WRITE_MODE=direct (validate + one synchronous MongoDB insert; the old design)
 * - validate: POST /orders/validate (validate only; the ceiling for any write path)
 * The API runs as a child process (its own core); autocannon drives it from this process.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { createKafka, ensureTopics } from '@medlives/kafka';
import { resolveTopics } from '@medlives/topology';
import { sampleData } from '@medlives/testkit';
import { writeReport } from './report';

const REPO = join(__dirname, '..');
const KEY = 'bench-key-000001';
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 10);
const FIXED_RATE = 1_000;

interface Variant {
  name: 'kafka' | 'direct' | 'validate';
  mode: 'kafka' | 'direct';
  path: string;
}

const VARIANTS: Variant[] = [
  { name: 'validate', mode: 'kafka', path: '/api/v1/orders/validate' },
  { name: 'kafka', mode: 'kafka', path: '/api/v1/orders' },
  { name: 'direct', mode: 'direct', path: '/api/v1/orders' },
];

/** Starts the API in a process of its own; `nodeArgs` go to Node (e.g. `--cpu-prof`, which NODE_OPTIONS refuses). */
export async function startApi(mode: string, port: number, prefix: string, nodeArgs: readonly string[] = []): Promise<ChildProcess> {
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', 'apps/producer-api/src/main.ts'], {
    cwd: REPO,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: {
      ...process.env,
      PORT: String(port),
      WRITE_MODE: mode,
      API_KEYS: `bench-tenant:${KEY}`,
      TOPIC_PREFIX: prefix,
      MONGO_URL: `${process.env.MONGO_URL}/bench_api_${mode}`,
      RATE_LIMIT_PER_SECOND: '1000000',
      RATE_LIMIT_BURST: '1000000',
      LOG_LEVEL: 'error',
    },
  });
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const ok = await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.status === 200, () => false);
    if (ok) return child;
    await new Promise((r) => setTimeout(r, 200));
  }
  child.kill('SIGKILL');
  throw new Error(`API (${mode}) did not become ready`);
}

export function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

export async function load(url: string, body: string, options: { connections: number; overallRate?: number; durationS?: number }) {
  const result = await autocannon({
    url,
    method: 'POST',
    headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
    body,
    connections: options.connections,
    duration: options.durationS ?? DURATION_S,
    ...(options.overallRate ? { overallRate: options.overallRate } : {}),
  });
  const seconds = result.duration;
  return {
    okPerSecond: Math.round(result['2xx'] / seconds),
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    p50Ms: result.latency.p50,
    p90Ms: result.latency.p90,
    p97_5Ms: result.latency.p97_5,
    p99Ms: result.latency.p99,
    maxMs: result.latency.max,
  };
}

/** The order request the API benches post (the sample order without the fields the API assigns). */
export function orderBody(): string {
  const { tenantCode: _t, orderId: _o, status: _s, paymentStatus: _p, ...order } = sampleData('order.created') as Record<string, unknown>;
  return JSON.stringify(order);
}

export async function runApiBench(): Promise<Record<string, unknown>> {
  const prefix = `bench${Date.now().toString(36)}.`;
  const admin = createKafka({ brokers: process.env.KAFKA_BROKERS!.split(','), clientId: 'bench' }).admin();
  await admin.connect();
  await ensureTopics(admin, resolveTopics({ prefix }));
  const { tenantCode: _t, orderId: _o, status: _s, paymentStatus: _p, ...order } = sampleData('order.created') as Record<string, unknown>;
  const body = JSON.stringify(order);
  const results: Record<string, { max: Awaited<ReturnType<typeof load>>; fixed: Awaited<ReturnType<typeof load>> }> = {};
  let port = 18_500;
  for (const v of VARIANTS) {
    const api = await startApi(v.mode, ++port, prefix);
    try {
      const url = `http://127.0.0.1:${port}${v.path}`;
      await load(url, body, { connections: 16, overallRate: 200 }); // warm-up: JIT, connection pools
      const max = await load(url, body, { connections: 64 });
      const fixed = await load(url, body, { connections: 64, overallRate: FIXED_RATE });
      results[v.name] = { max, fixed };
      console.error(`${v.name}: max ${max.okPerSecond}/s (p99 ${max.p99Ms} ms), at ${FIXED_RATE}/s p50 ${fixed.p50Ms} ms p99 ${fixed.p99Ms} ms, non-2xx ${max.non2xx + fixed.non2xx}`);
    } finally {
      await stop(api);
    }
  }
  await admin.deleteTopics({ topics: (await admin.listTopics()).filter((t) => t.startsWith(prefix)) }).catch(() => undefined);
  await admin.disconnect();

  const k = results.kafka!;
  const d = results.direct!;
  const val = results.validate!;
  const ratios = {
    kafkaThroughputVsValidate: +(k.max.okPerSecond / val.max.okPerSecond).toFixed(2),
    kafkaP99VsDirectP99At1k: +(k.fixed.p99Ms / d.fixed.p99Ms).toFixed(2),
    kafkaThroughputVsDirect: +(k.max.okPerSecond / d.max.okPerSecond).toFixed(2),
  };
  const goals = { kafkaThroughputVsValidate: '>= 0.6', kafkaP99VsDirectP99At1k: '<= 0.3' };
  const row = (name: string) => {
    const r = results[name]!;
    return `| ${name} | ${r.max.okPerSecond} | ${r.max.p99Ms} | ${r.fixed.okPerSecond} | ${r.fixed.p50Ms} | ${r.fixed.p99Ms} | ${r.max.non2xx + r.fixed.non2xx} |`;
  };
  const md = [
    `${DURATION_S} s per measurement, 64 connections, API in its own process, autocannon in another, real Kafka and FerretDB on loopback.`,
    '',
    '| variant | max accepted/s | p99 at max (ms) | achieved at 1k/s | p50 at 1k/s (ms) | p99 at 1k/s (ms) | non-2xx |',
    '|---|---|---|---|---|---|---|',
    row('validate'),
    row('kafka'),
    row('direct'),
    '',
    `- kafka throughput / validate-only throughput: **${ratios.kafkaThroughputVsValidate}** (goal ${goals.kafkaThroughputVsValidate})`,
    `- kafka p99 / direct p99 at ${FIXED_RATE}/s: **${ratios.kafkaP99VsDirectP99At1k}** (goal ${goals.kafkaP99VsDirectP99At1k})`,
    `- kafka throughput / direct throughput: ${ratios.kafkaThroughputVsDirect}`,
  ].join('\n');
  const data = { durationSeconds: DURATION_S, fixedRate: FIXED_RATE, results, ratios, goals };
  writeReport('api', data, md);
  return data;
}
