/**
 * `npm run chaos`: steady order load through the API while six faults run one after another,
 * then every accepted write is counted in every consumer group's store (verify.ts).
 * The same code runs a short version (one round of each fault, small load) inside `npm test`.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { Agent } from 'node:http';
import { loadavg } from 'node:os';
import { promisify } from 'node:util';
import mongoose, { type Connection } from 'mongoose';
import type { Admin, Kafka } from 'kafkajs';
import { createKafka } from '@medlives/kafka';
import { CONSUMER_GROUPS, type ConsumerGroupSpec, TOPICS, resolveGroupId, resolveTopicName } from '@medlives/topology';
import type { TcpProxy } from '../../packages/testkit/src/tcp-proxy';
import { LoadGenerator, post } from './load';
import { FakeProvider, PrivateInfra, Supervisor, type WorkerApp, freePort, kafkaProxy } from './platform';
import { CHAOS_GROUPS, type DlqCount, type InventoryVerdict, type PhaseVerdict, countDlq, notificationStates, verifyInventory, verifyOrders } from './verify';

const exec = promisify(execFile);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface ChaosOptions {
  readonly short: boolean;
  readonly ratePerSecond: number;
  readonly infra: PrivateInfra;
  /** Seconds after a fault within which everything accepted before its end must be persisted. */
  readonly recoveryBoundS: number;
  readonly log: (line: string) => void;
  /** Run only these faults (debugging); all six by default. */
  readonly only?: readonly string[];
}

export interface FaultResult extends PhaseVerdict {
  fault: string;
  detail: string;
  /** Poison records produced in this phase and found in each group's DLQ. */
  poisonProduced: number;
  /** Seconds from the fault's end until the API accepted again. */
  apiRecoveryS: number | null;
  /** Seconds from the fault's end until order-persistence and inventory committed everything produced before it. */
  recoveryS: number | null;
  pass: boolean;
}

export interface ChaosReport {
  runId: string;
  startedAt: string;
  finishedAt: string;
  short: boolean;
  ratePerSecond: number;
  achievedOrdersPerSecond: number;
  recoveryBoundS: number;
  loadAverage: { start: number[]; end: number[]; max1m: number };
  cpus: number;
  faults: FaultResult[];
  dlq: Record<string, DlqCount>;
  poisonTotal: number;
  inventory: InventoryVerdict;
  notification: { received: number; duplicates: number; deliveries: Record<string, number>; lagAtEnd: number };
  restarts: number;
  pass: boolean;
  failures: string[];
}

const INITIAL_STOCK = 1_000_000;
const PRODUCTS_PER_TENANT = 6;

/** Poison kinds produced by kcat: not JSON, JSON that is no envelope, an envelope of an unknown type. */
function poisonPayload(marker: string, n: number): string {
  switch (n % 3) {
    case 0:
      return `{{not json ${marker} #${n}`;
    case 1:
      return JSON.stringify({ poison: marker, n, hello: 'no envelope here' });
    default:
      return JSON.stringify({ eventId: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`, eventType: 'order.exploded', version: 1, occurredAt: new Date().toISOString(), source: marker, tenantCode: 'pharma-c1', correlationId: marker, actor: { userId: 'x', role: 'tenant' }, data: {} });
  }
}

async function produceWithKcat(brokers: string, topic: string, payloads: string[]): Promise<void> {
  // kcat reads one message per line from stdin (-P); a key per message with -K.
  const input = payloads.map((p) => `pharma-c1|${p.replace(/\n/g, ' ')}`).join('\n') + '\n';
  await new Promise<void>((resolve, reject) => {
    const child = execFile('kcat', ['-b', brokers, '-t', topic, '-P', '-K', '|', '-X', 'acks=all'], (error) => (error ? reject(error) : resolve()));
    child.stdin!.end(input);
  });
}

/** Committed offsets of a group have reached the given end offsets (everything before is processed). */
async function caughtUp(admin: Admin, group: ConsumerGroupSpec, marks: Map<string, Map<number, number>>): Promise<boolean> {
  const groupId = resolveGroupId(group);
  const topics = [...marks.keys()].filter((t) => group.topics.some((s) => resolveTopicName(s) === t));
  return committedReach(await admin.fetchOffsets({ groupId, topics }), marks);
}

/** Every partition's committed offset (as the admin client reports it; -1 = none) is at its mark. */
export function committedReach(committed: ReadonlyArray<{ topic: string; partitions: ReadonlyArray<{ partition: number; offset: string }> }>, marks: Map<string, Map<number, number>>): boolean {
  for (const t of committed) {
    for (const p of t.partitions) {
      const mark = marks.get(t.topic)?.get(p.partition) ?? 0;
      if (mark > 0 && Number(p.offset) < mark) return false;
    }
  }
  return true;
}

async function endOffsets(admin: Admin): Promise<Map<string, Map<number, number>>> {
  const marks = new Map<string, Map<number, number>>();
  for (const spec of [TOPICS.orderEvents, TOPICS.statusUpdates]) {
    const topic = resolveTopicName(spec);
    const offsets = await admin.fetchTopicOffsets(topic);
    marks.set(topic, new Map(offsets.map((o) => [o.partition, Number(o.high)])));
  }
  return marks;
}

async function groupLag(admin: Admin, group: ConsumerGroupSpec): Promise<number> {
  const marks = await endOffsets(admin);
  const committed = await admin.fetchOffsets({ groupId: resolveGroupId(group), topics: [...marks.keys()] });
  let lag = 0;
  for (const [topic, parts] of marks) {
    for (const [partition, high] of parts) {
      const c = Number(committed.find((t) => t.topic === topic)?.partitions.find((p) => p.partition === partition)?.offset ?? -1);
      lag += high - Math.max(0, c);
    }
  }
  return lag;
}

export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const { infra, log, short } = options;
  const runId = `r${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  const startedAt = new Date();
  const loadStart = loadavg();
  let maxLoad = loadStart[0]!;
  const loadTimer = setInterval(() => (maxLoad = Math.max(maxLoad, loadavg()[0]!)), 5_000);

  log(`fresh private infra in ${infra.settings.stateDir} (kafka ${infra.brokers}, ferretdb ${infra.mongoBase})`);
  await infra.down().catch(() => undefined);
  rmSync(infra.settings.stateDir, { recursive: true, force: true });
  await infra.up();
  const mongoUrl = `${infra.mongoBase}/chaos`;
  const kafka: Kafka = createKafka({ brokers: [infra.brokers], clientId: 'medlives-chaos' }, { retries: 5 });
  const admin = kafka.admin();
  await admin.connect();
  const conn: Connection = await mongoose.createConnection(mongoUrl, { serverSelectionTimeoutMS: 5_000 }).asPromise();

  const provider = new FakeProvider();
  await provider.start();
  const proxy: TcpProxy = await kafkaProxy(infra.brokers);
  const apiPort = await freePort();
  const tenants = ['pharma-c1', 'pharma-c2', 'pharma-c3', 'pharma-c4'];
  // Keys generated per run: nothing secret lives in the repo.
  const keys = Object.fromEntries(tenants.map((t) => [t, `chaos-${randomBytes(12).toString('hex')}`]));
  const common = {
    MONGO_URL: mongoUrl,
    LOG_LEVEL: process.env.CHAOS_LOG_LEVEL ?? 'error',
    KAFKA_SESSION_TIMEOUT_MS: '10000',
    KAFKA_REBALANCE_TIMEOUT_MS: '15000',
    LAG_INTERVAL_MS: '5000',
    MONGO_SERVER_SELECTION_TIMEOUT_MS: '3000',
    SHUTDOWN_TIMEOUT_MS: '15000',
  };
  // notification-service seals what it stores: a key generated for this run.
  const encryptionKeys = `chaos:${randomBytes(32).toString('base64')}`;
  const supervisor = new Supervisor((app) =>
    app === 'producer-api'
      ? { ...common, PORT: String(apiPort), KAFKA_BROKERS: proxy.address, API_KEYS: Object.entries(keys).map(([t, k]) => `${t}:${k}`).join(','), RATE_LIMIT_PER_SECOND: '5000', RATE_LIMIT_BURST: '10000' }
      : {
          ...common,
          PORT: '0',
          KAFKA_BROKERS: infra.brokers,
          ...(app === 'notification'
            ? { NOTIFY_SMS_PROVIDER: 'webhook', NOTIFY_SMS_WEBHOOK_URL: provider.url, NOTIFY_PUSH_PROVIDER: 'webhook', NOTIFY_PUSH_WEBHOOK_URL: provider.url, NOTIFY_EMAIL_PROVIDER: 'none', NOTIFY_RETRY_BASE_MS: '500', ENCRYPTION_KEYS: encryptionKeys }
            : {}),
        },
    join(infra.settings.stateDir, 'logs'),
  );
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  const agent = new Agent({ keepAlive: true });
  const failures: string[] = [];
  const faults: FaultResult[] = [];
  let poisonTotal = 0;
  let load: LoadGenerator | undefined;
  let progress: NodeJS.Timeout | undefined;

  try {
    supervisor.start('producer-api');
    for (const app of ['order-persistence', 'order-persistence', 'inventory', 'notification'] as WorkerApp[]) supervisor.start(app);
    await waitUntil('the API answers', async () => (await fetch(`${apiUrl}/readyz`).then((r) => r.ok).catch(() => false)), 120_000);
    for (const tenantCode of tenants) {
      for (let p = 0; p < PRODUCTS_PER_TENANT; p++) {
        const res = await post(agent, `${apiUrl}/api/v1/products`, { productId: `chaos-p${p}`, name: `Chaos ${p}`, stock: INITIAL_STOCK, lowStockThreshold: 0 }, { authorization: `Bearer ${keys[tenantCode]}` });
        if (res.status !== 201) throw new Error(`creating product chaos-p${p} for ${tenantCode}: ${res.status} ${res.body}`);
      }
    }
    load = new LoadGenerator({ apiUrl, keys, productsPerTenant: PRODUCTS_PER_TENANT, ratePerSecond: options.ratePerSecond, runId, retryForMs: short ? 90_000 : 120_000 });
    load.start();
    log(`load: ${options.ratePerSecond} orders/s (+ a status change each) through ${apiUrl}`);
    const started = load;
    progress = setInterval(() => {
      log(`  · ${started.orders.length} orders, ${started.inflightCount} in flight, answers ${JSON.stringify(started.statuses)}, load ${loadavg()[0]!.toFixed(1)}`);
    }, short ? 5_000 : 10_000);
    await sleep(short ? 5_000 : 10_000);

    const marker = `chaos-poison-${runId}`;
    let poisonN = 0;
    const l = load;
    const phase = async (fault: string, detail: string, act: () => Promise<void>): Promise<void> => {
      if (options.only && !options.only.includes(fault)) return;
      l.phase = fault;
      log(`▶ ${fault}: ${detail}`);
      const poisonBefore = poisonTotal;
      await act();
      const end = Date.now();
      const marks = await retry(() => endOffsets(admin));
      let apiRecoveryS: number | null = null;
      let recoveryS: number | null = null;
      const bound = end + options.recoveryBoundS * 1000;
      while (Date.now() < bound && (apiRecoveryS === null || recoveryS === null)) {
        if (apiRecoveryS === null && l.last202At >= end) apiRecoveryS = (l.last202At - end) / 1000;
        if (recoveryS === null) {
          const ok = await Promise.all([CONSUMER_GROUPS.orderPersistence, CONSUMER_GROUPS.inventory].map((g) => caughtUp(admin, g, marks))).catch(() => [false]);
          if (ok.every(Boolean)) recoveryS = (Date.now() - end) / 1000;
        }
        await sleep(500);
      }
      log(`  api back after ${apiRecoveryS ?? '—'} s, caught up after ${recoveryS ?? `> ${options.recoveryBoundS}`} s (load ${loadavg()[0]!.toFixed(1)})`);
      faults.push({ fault, detail, phase: fault, orders: 0, accepted: 0, persisted: 0, missing: 0, duplicated: 0, unavailable: 0, gaveUp: 0, gaveUpButWritten: 0, missingExamples: [], poisonProduced: poisonTotal - poisonBefore, apiRecoveryS, recoveryS, pass: false });
      await sleep(short ? 1_000 : 5_000);
    };

    // (1) SIGKILL of an order-persistence instance at random moments; the supervisor restarts it.
    const kills = short ? 1 : 10;
    await phase('sigkill', `SIGKILL an order-persistence instance ${kills}× at random moments (restarted after 1 s)`, async () => {
      for (let i = 0; i < kills; i++) {
        await sleep(1_000 + Math.random() * (short ? 2_000 : 4_000));
        const victims = supervisor.running('order-persistence');
        supervisor.kill(victims[Math.floor(Math.random() * victims.length)]!);
      }
    });

    // (2) The broker restarted under load: the API must answer 503, never 202 and lose.
    await phase('kafka-restart', 'stop the Kafka broker (SIGTERM), keep it down, start it again', async () => {
      await infra.stop('kafka');
      await sleep(short ? 3_000 : 10_000);
      await infra.up();
    });

    // (3) The database away for 30 s.
    const outageS = short ? 5 : 30;
    await phase('mongo-outage', `FerretDB stopped for ${outageS} s`, async () => {
      await infra.stop('ferretdb');
      await sleep(outageS * 1000);
      await infra.up();
    });

    // (4) 1% poison produced straight to the topics by a non-Node client.
    const poisonS = short ? 5 : 20;
    await phase('poison', `1% poison records (not JSON, no envelope, unknown type) produced by kcat to order-events and status-updates for ${poisonS} s`, async () => {
      const perSecond = Math.max(1, Math.round((options.ratePerSecond * 2) / 100));
      for (let s = 0; s < poisonS; s++) {
        const batch = Array.from({ length: perSecond }, () => poisonPayload(marker, poisonN++));
        const half = Math.ceil(batch.length / 2);
        await produceWithKcat(infra.brokers, resolveTopicName(TOPICS.orderEvents), batch.slice(0, half));
        if (batch.length > half) await produceWithKcat(infra.brokers, resolveTopicName(TOPICS.statusUpdates), batch.slice(half));
        poisonTotal += batch.length;
        await sleep(1_000);
      }
    });

    // (5) Rebalance storm: instances join and leave every few seconds.
    const stormS = short ? 9 : 30;
    await phase('rebalance-storm', `an order-persistence or inventory instance joins or leaves every 3 s for ${stormS} s`, async () => {
      const extra: Array<ReturnType<Supervisor['start']>> = [];
      for (let t = 0; t < stormS; t += 3) {
        const app: WorkerApp = (t / 3) % 2 === 0 ? 'order-persistence' : 'inventory';
        if (extra.length < 2 || Math.random() < 0.5) extra.push(supervisor.start(app));
        else await supervisor.retire(extra.shift()!);
        await sleep(3_000);
      }
      for (const s of extra) await supervisor.retire(s);
    });

    // (6) 2 s of added latency between the API and the broker (the publish bound is 2 s).
    const latencyS = short ? 5 : 20;
    await phase('broker-latency', `2 s added to every broker answer to the API for ${latencyS} s (publish bound 2 s: unknown outcomes)`, async () => {
      proxy.set({ kind: 'delay', ms: 2_000, direction: 'responses' });
      await sleep(latencyS * 1000);
      proxy.set({ kind: 'pass' });
    });

    l.phase = 'cooldown';
    await sleep(2_000);
    log('load stopped; waiting for the clients to finish their retries');
    await l.stop();
    clearInterval(progress);

    // Drain: everything accepted is persisted (bounded), then count.
    log('draining order-persistence and inventory');
    await waitUntil('order-persistence and inventory drained', async () => (await groupLag(admin, CONSUMER_GROUPS.orderPersistence)) === 0 && (await groupLag(admin, CONSUMER_GROUPS.inventory)) === 0, short ? 180_000 : 300_000).catch((e: unknown) => failures.push(String(e)));
    await sleep(6_000); // order-persistence batches close within 5 s
    const notificationLag = await waitUntil('notification drained', async () => (await groupLag(admin, CONSUMER_GROUPS.notification)) === 0, short ? 120_000 : 120_000)
      .then(() => 0)
      .catch(async () => groupLag(admin, CONSUMER_GROUPS.notification));

    // Each count on its own: one that cannot be taken is a failure in the report, not a lost report.
    const attempt = async <T>(what: string, fn: () => Promise<T>, fallback: T): Promise<T> => {
      try {
        return await fn();
      } catch (error) {
        failures.push(`${what} could not be counted: ${String(error)}`);
        return fallback;
      }
    };
    const verdicts = await attempt('orders', () => verifyOrders(conn, l.orders), new Map<string, PhaseVerdict>());
    for (const f of faults) Object.assign(f, verdicts.get(f.fault) ?? {}, { fault: f.fault });
    const dlq = await attempt('DLQs', () => countDlq(kafka, marker), {} as Record<string, DlqCount>);
    const inventory = await attempt('inventory', () => verifyInventory(conn, l.orders, INITIAL_STOCK), { products: 0, conserved: false, doubleReserved: 0, ordersWithoutStockOrder: 0, stockOrders: {}, cancelledNotReleased: 0 });
    const deliveries = await attempt('notification deliveries', () => notificationStates(conn), {} as Record<string, number>);

    // All accepted writes across phases (warmup and cooldown too) are counted in the totals.
    const all = [...verdicts.values()];
    const sum = (k: keyof PhaseVerdict) => all.reduce((n, v) => n + Number(v[k]), 0);
    if (sum('missing') > 0) failures.push(`${sum('missing')} accepted writes missing`);
    if (sum('duplicated') > 0) failures.push(`${sum('duplicated')} duplicated`);
    for (const g of CHAOS_GROUPS) if ((dlq[g.id]?.poison ?? 0) !== poisonTotal) failures.push(`${g.id} DLQ holds ${dlq[g.id]?.poison ?? 0} of ${poisonTotal} poison records`);
    if (!inventory.conserved || inventory.doubleReserved > 0) failures.push(`inventory: stock not conserved (double reserved ${inventory.doubleReserved})`);
    if (inventory.ordersWithoutStockOrder > 0) failures.push(`inventory: ${inventory.ordersWithoutStockOrder} accepted orders never reached inventory-service`);
    if (inventory.cancelledNotReleased > 0) failures.push(`inventory: ${inventory.cancelledNotReleased} cancelled orders still hold stock`);
    if (provider.duplicates() > 0) failures.push(`notification: ${provider.duplicates()} deliveries reached the provider twice`);
    for (const f of faults) {
      f.pass = f.missing === 0 && f.duplicated === 0 && f.recoveryS !== null;
      if (f.recoveryS === null) failures.push(`${f.fault}: not caught up within ${options.recoveryBoundS} s`);
    }
    const poisonFault = faults.find((f) => f.fault === 'poison');
    if (poisonFault) poisonFault.pass &&= CHAOS_GROUPS.every((g) => (dlq[g.id]?.poison ?? 0) === poisonTotal);
    const seconds = (Date.now() - startedAt.getTime()) / 1000;
    const achieved = l.orders.length / Math.max(1, seconds);
    clearInterval(loadTimer);
    return {
      runId,
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      short,
      ratePerSecond: options.ratePerSecond,
      achievedOrdersPerSecond: Number(achieved.toFixed(1)),
      recoveryBoundS: options.recoveryBoundS,
      loadAverage: { start: loadStart.map((x) => Number(x.toFixed(2))), end: loadavg().map((x) => Number(x.toFixed(2))), max1m: Number(maxLoad.toFixed(2)) },
      cpus: (await import('node:os')).cpus().length,
      faults,
      dlq,
      poisonTotal,
      inventory,
      notification: { received: provider.received, duplicates: provider.duplicates(), deliveries, lagAtEnd: notificationLag },
      restarts: supervisor.restarts,
      pass: failures.length === 0,
      failures,
    };
  } finally {
    clearInterval(loadTimer);
    clearInterval(progress);
    await load?.stop().catch(() => undefined);
    agent.destroy();
    await supervisor.stopAll();
    await proxy.close();
    await provider.stop();
    await conn.close().catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
    await infra.down().catch(() => undefined);
    void exec;
  }
}

async function waitUntil(what: string, probe: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await probe().catch(() => false)) return;
    await sleep(1_000);
  }
  throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
}

async function retry<T>(fn: () => Promise<T>, attempts = 30): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      return await fn();
    } catch (error) {
      if (i >= attempts) throw error;
      await sleep(1_000);
    }
  }
}
