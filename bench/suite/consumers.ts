/**
 * Consumer scenarios of the one-command bench:
 * - scaling: 1, 2, 3 order-persistence processes (apps/order-persistence/src/main.ts) in one group
 *   drain the same-sized backlog; a fresh topology (and so a fresh group) per point;
 * - groups: one in-process instance of each other consumer group drains a backlog of its own
 *   topics, next to the broker's consumer ceiling measured in the same run.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import pino from 'pino';
import { Registry } from 'prom-client';
import { type Envelope, createEvent } from '@medlives/events';
import { parseConfig } from '@medlives/runtime';
import { type IsolatedTopology, groupLag, isolatedTopology, orderWorkload, publish, sampleData, waitFor } from '@medlives/testkit';
import { CONSUMER_GROUPS, type ConsumerGroupSpec } from '@medlives/topology';
import type { GroupDrain, ScalingResult } from './model';

const REPO = join(__dirname, '..', '..');

function dbUrl(name: string): string {
  const url = new URL(process.env.MONGO_URL!);
  url.pathname = `/${name}`;
  return url.toString();
}

async function waitDrained(topo: IsolatedTopology, group: ConsumerGroupSpec, label: string, progress: (s: string) => void): Promise<number> {
  const t0 = Date.now();
  let lastReport = 0;
  await waitFor(
    `${label} to drain`,
    async () => {
      const lag = await groupLag(topo.admin, group, topo.prefix);
      if (Date.now() - lastReport > 10_000) {
        lastReport = Date.now();
        progress(`  ${label}: ${Math.round((Date.now() - t0) / 1000)} s, lag ${lag}`);
      }
      return lag === 0;
    },
    { timeoutMs: 3_600_000, intervalMs: 200 },
  );
  return (Date.now() - t0) / 1000;
}

function spawnWorker(prefix: string, db: string, index: number): ChildProcess {
  return spawn(join(REPO, 'node_modules', '.bin', 'tsx'), ['apps/order-persistence/src/main.ts'], {
    cwd: REPO,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, TOPIC_PREFIX: prefix, MONGO_URL: dbUrl(db), PORT: '0', LOG_LEVEL: 'error', HOSTNAME: `bench-${index}` },
  });
}

async function stopWorkers(children: ChildProcess[]): Promise<void> {
  await Promise.all(
    children.map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.exitCode !== null) return resolve();
          const timer = setTimeout(() => c.kill('SIGKILL'), 15_000);
          c.once('exit', () => {
            clearTimeout(timer);
            resolve();
          });
          c.kill('SIGTERM');
        }),
    ),
  );
}

export async function runScaling(options: { events: number; instances: readonly number[]; progress: (s: string) => void }): Promise<ScalingResult> {
  const points: Array<{ instances: number; eventsPerSecond: number; seconds: number }> = [];
  const group = CONSUMER_GROUPS.orderPersistence;
  for (const n of options.instances) {
    const topo = await isolatedTopology(`bench-scale${n}`);
    const db = `bench_scale_${n}_${Date.now().toString(36)}`;
    const children: ChildProcess[] = [];
    try {
      const events = orderWorkload({ orders: Math.ceil(options.events / 2.4), tag: `scale${n}` }).events.slice(0, options.events);
      options.progress(`scaling: preloading ${events.length} events for ${n} instance(s)`);
      await publish(topo.kafka, topo.prefix, events, 5_000);
      for (let i = 0; i < n; i++) children.push(spawnWorker(topo.prefix, db, i));
      // The clock starts when the group first commits: process start-up (tsx compile, connect,
      // join) is not throughput, and it is the same for every point.
      const joined = Date.now();
      await waitFor('the group to start committing', async () => (await groupLag(topo.admin, group, topo.prefix)) < events.length, { timeoutMs: 180_000, intervalMs: 200 });
      const startupSeconds = (Date.now() - joined) / 1000;
      const lagAtStart = await groupLag(topo.admin, group, topo.prefix);
      const seconds = await waitDrained(topo, group, `${n} instance(s)`, options.progress);
      const eventsPerSecond = Math.round(lagAtStart / Math.max(0.001, seconds));
      points.push({ instances: n, eventsPerSecond, seconds });
      options.progress(`scaling: ${n} instance(s): ${eventsPerSecond} events/s (${lagAtStart} events after ${startupSeconds.toFixed(1)} s start-up, drained in ${seconds.toFixed(1)} s)`);
    } finally {
      await stopWorkers(children);
      await dropDatabase(dbUrl(db));
      await topo.cleanup();
    }
  }
  return { events: options.events, points };
}

async function dropDatabase(url: string): Promise<void> {
  const mongoose = (await import('mongoose')).default;
  const conn = await mongoose.createConnection(url).asPromise().catch(() => undefined);
  await conn?.dropDatabase().catch(() => undefined);
  await conn?.close().catch(() => undefined);
}

/** `apt-1` → `apt-1-17`: distinct entities per event, so a drain is not a stream of no-op upserts. */
function varied<T extends Record<string, unknown>>(data: T, i: number): T {
  const out: Record<string, unknown> = { ...data };
  for (const key of ['appointmentId', 'patientId', 'prescriptionId', 'recordId', 'subjectId', 'resourceId', 'orderId']) {
    if (typeof out[key] === 'string') out[key] = `${out[key]}-${key === 'patientId' || key === 'subjectId' ? i % 500 : i}`;
  }
  return out as T;
}

function mixed(types: readonly string[], count: number): Envelope[] {
  return Array.from({ length: count }, (_, i) => {
    const type = types[i % types.length]! as Parameters<typeof sampleData>[0];
    const tenantCode = `pharma-${String((i % 24) + 1).padStart(3, '0')}`;
    return createEvent({ eventType: type, tenantCode, source: 'bench', actor: { userId: 'user-1', role: 'tenant' }, data: varied(sampleData(type, { tenantCode, orderId: `ord-${i % 2_000}` }) as Record<string, unknown>, i) as never });
  });
}

interface AppLike {
  start(): Promise<void>;
  stop(reason?: string): Promise<void>;
}

interface GroupCase {
  readonly key: keyof typeof CONSUMER_GROUPS;
  readonly events: (n: number) => Envelope[];
  readonly create: (env: Record<string, string>, registry: Registry) => Promise<AppLike>;
  readonly note?: string;
}

const logger = pino({ level: 'error' });

const CASES: readonly GroupCase[] = [
  {
    key: 'orderPersistence',
    events: (n) => orderWorkload({ orders: Math.ceil(n / 2.4), tag: 'groups' }).events.slice(0, n),
    create: async (env, registry) => (await import('../../apps/order-persistence/src/app')).createApp(parseConfig((await import('../../apps/order-persistence/src/config')).OrderPersistenceEnv, env), { registry, logger }),
    note: 'reference row: the same harness as the rows below',
  },
  {
    key: 'analytics',
    events: (n) => orderWorkload({ orders: Math.ceil(n / 2.4), tag: 'groups-analytics' }).events.slice(0, n),
    create: async (env, registry) => (await import('../../apps/analytics/src/app')).createApp(parseConfig((await import('../../apps/analytics/src/config')).AnalyticsEnv, env), { registry, logger }),
  },
  {
    key: 'inventory',
    events: (n) => orderWorkload({ orders: Math.ceil(n / 2.4), tag: 'groups-inventory' }).events.slice(0, n),
    create: async (env, registry) => (await import('../../apps/inventory/src/app')).createApp(parseConfig((await import('../../apps/inventory/src/config')).InventoryEnv, env), { registry, logger }),
    note: 'also publishes inventory-events',
  },
  {
    key: 'careRecords',
    events: (n) => mixed(['appointment.booked', 'prescription.created', 'health_record.created'], n),
    create: async (env, registry) =>
      (await import('../../apps/care-records/src/app')).createApp(
        parseConfig((await import('../../apps/care-records/src/config')).CareRecordsEnv, { ...env, ENCRYPTION_KEYS: `bench:${randomBytes(32).toString('base64')}`, REMINDER_SWEEP_MS: '0' }),
        { registry, logger },
      ),
    note: 'appointments, prescriptions, health records (sealed at rest)',
  },
  {
    key: 'deliveryTracking',
    events: (n) => mixed(['delivery.location.update'], n),
    create: async (env, registry) => (await import('../../apps/delivery-tracking/src/app')).createApp(parseConfig((await import('../../apps/delivery-tracking/src/config')).DeliveryTrackingEnv, env), { registry, logger }),
    note: 'positions of 2,000 orders',
  },
  {
    key: 'audit',
    events: (n) => mixed(['data.accessed', 'data.modified', 'login.attempt'], n),
    create: async (env, registry) => (await import('../../apps/audit/src/app')).createApp(parseConfig((await import('../../apps/audit/src/config')).AuditEnv, env), { registry, logger }),
  },
];

export const GROUP_KEYS = CASES.map((c) => c.key);

/**
 * Each group in turn: a fresh topology, its backlog preloaded, one in-process instance started,
 * the clock stopped when its lag is 0. Baseline: the broker's consumer ceiling of this run.
 */
export async function runGroups(options: { events: number; consumerCeiling: number | undefined; progress: (s: string) => void; only?: readonly string[] }): Promise<GroupDrain[]> {
  const out: GroupDrain[] = [];
  for (const c of CASES) {
    if (options.only && !options.only.includes(c.key)) continue;
    const group = CONSUMER_GROUPS[c.key];
    const topo = await isolatedTopology(`bench-${c.key}`);
    const db = `bench_${c.key}_${Date.now().toString(36)}`;
    try {
      const events = c.events(options.events);
      options.progress(`groups: ${group.id}: preloading ${events.length} events`);
      await publish(topo.kafka, topo.prefix, events, 5_000);
      const app = await c.create({ KAFKA_BROKERS: process.env.KAFKA_BROKERS!, MONGO_URL: dbUrl(db), TOPIC_PREFIX: topo.prefix, PORT: '0', LOG_LEVEL: 'error', LAG_INTERVAL_MS: '2000' }, new Registry());
      await app.start();
      let seconds: number;
      try {
        seconds = await waitDrained(topo, group, group.id, options.progress);
      } finally {
        await app.stop('bench done');
      }
      const perSecond = Math.round(events.length / seconds);
      options.progress(`groups: ${group.id}: ${perSecond} events/s`);
      out.push({ group: group.id, unit: 'events', items: events.length, perSecond, seconds, baseline: { label: 'broker consumer ceiling', perSecond: options.consumerCeiling ?? NaN }, ...(c.note ? { note: c.note } : {}) });
    } finally {
      await dropDatabase(dbUrl(db));
      await topo.cleanup();
    }
  }
  return out;
}
