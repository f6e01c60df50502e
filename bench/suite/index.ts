/**
 * `npm run bench`: every scenario in one run, one report. Prints progress to stderr while it runs;
 * at the end writes bench/results/<timestamp>.json (raw numbers), bench/report.md and
 * bench/charts/*.svg (`--quick`: bench/results/quick/ instead, so a development run never
 * replaces the committed report).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { createKafka } from '@medlives/kafka';
import { infraUp } from '../../scripts/infra';
import { measureBroker } from './broker';
import { CHARTS, renderSvg } from './charts';
import { runGroups, runScaling } from './consumers';
import type { ApiMode, ApiResult, BenchRun, BrokerResult, GroupDrain, HttpLoad, PersistenceResult, ScalingResult, ScenarioRecord, SteadyResult } from './model';
import { MAX_LOAD_PER_CORE, checkQuiet } from './quiet';
import { renderReport } from './render';
import { CpuProfiler, loadAverage, machine, versions } from './system';
import { fmt, freePort, stamp } from './util';
import { type ProfileSummary, profileFerret, readLargestCpuProfile, summarizeCpuProfile } from './profile';

export interface Sizes {
  brokerRecords: number;
  brokerRateSeconds: number;
  apiSeconds: number;
  apiWarmupSeconds: number;
  persistenceEvents: number;
  steadyRate: number;
  steadySeconds: number;
  scalingEvents: number;
  scalingInstances: number[];
  groupEvents: number;
  notificationOrders: number;
  /** Length of the Go CPU profile of FerretDB taken during the persistence drain. */
  profileSeconds: number;
}

export const FULL: Sizes = {
  brokerRecords: 200_000,
  brokerRateSeconds: 10,
  apiSeconds: 10,
  apiWarmupSeconds: 3,
  persistenceEvents: 50_000,
  steadyRate: 1_000,
  steadySeconds: 60,
  scalingEvents: 30_000,
  scalingInstances: [1, 2, 3],
  groupEvents: 10_000,
  notificationOrders: 2_000,
  profileSeconds: 15,
};

export const QUICK: Sizes = {
  brokerRecords: 20_000,
  brokerRateSeconds: 3,
  apiSeconds: 3,
  apiWarmupSeconds: 1,
  persistenceEvents: 3_000,
  steadyRate: 1_000,
  steadySeconds: 8,
  scalingEvents: 3_000,
  scalingInstances: [1, 2, 3],
  groupEvents: 1_000,
  notificationOrders: 200,
  profileSeconds: 2,
};

/** Scenario names for `npm run bench -- <name>...`; `analytics` and `notification` keep the old commands working. */
export const SCENARIOS = ['broker', 'api', 'persistence', 'steady', 'scaling', 'groups', 'notification', 'analytics'] as const;
export type ScenarioName = (typeof SCENARIOS)[number];
const DEFAULT_SCENARIOS: ScenarioName[] = ['broker', 'api', 'persistence', 'steady', 'scaling', 'groups', 'notification'];

export interface SuiteOptions {
  readonly quick: boolean;
  readonly strict: boolean;
  readonly scenarios: readonly ScenarioName[];
}

export function parseArgs(argv: readonly string[]): SuiteOptions {
  const names = argv.filter((a) => !a.startsWith('-'));
  const unknown = names.filter((n) => !(SCENARIOS as readonly string[]).includes(n));
  if (unknown.length) throw new Error(`unknown scenario ${unknown.join(', ')}; choose from ${SCENARIOS.join(', ')} (none = all)`);
  const flags = argv.filter((a) => a.startsWith('-'));
  const badFlags = flags.filter((f) => !['--quick', '--strict'].includes(f));
  if (badFlags.length) throw new Error(`unknown option ${badFlags.join(', ')}; options: --quick (small sizes, same code paths), --strict (refuse a busy machine)`);
  return { quick: flags.includes('--quick'), strict: flags.includes('--strict'), scenarios: names.length ? (names as ScenarioName[]) : DEFAULT_SCENARIOS };
}

const t0 = Date.now();
function say(line: string): void {
  const s = Math.round((Date.now() - t0) / 1000);
  console.error(`[bench ${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}] ${line}`);
}

export async function runSuite(options: SuiteOptions): Promise<{ run: BenchRun; exitCode: number }> {
  const sizes = options.quick ? QUICK : FULL;
  const mach = machine();
  const loadAtStart = loadAverage();
  const limit = MAX_LOAD_PER_CORE * mach.cores;
  say(`machine: ${mach.cores} cores (${mach.cpuModel}), ${mach.memoryGiB} GiB; load average ${loadAtStart.load1} / ${loadAtStart.load5} / ${loadAtStart.load15}`);
  if (loadAtStart.load1 > limit) {
    const msg = `load average ${loadAtStart.load1} is above ${MAX_LOAD_PER_CORE} per core (${limit}): this machine is busy, numbers will not be comparable`;
    if (options.strict) throw new Error(`refusing to run (--strict): ${msg}`);
    say(`WARNING: ${msg}; the report will say so`);
  }
  const infra = await infraUp((l) => say(`infra: ${l}`));
  Object.assign(process.env, infra.env);
  const mongoDetail = infra.services.find((s) => s.name === 'mongo')?.detail;
  // Read before any scenario runs: some scenarios rewrite their own result files in the tree.
  const runVersions = versions(mongoDetail);
  const admin = createKafka({ brokers: infra.env.KAFKA_BROKERS.split(','), clientId: 'bench-suite' }).admin();
  await admin.connect();

  const scenarios: ScenarioRecord[] = [];
  let broker: BrokerResult | undefined;
  let api: ApiResult | undefined;
  let persistence: PersistenceResult | undefined;
  let steady: SteadyResult | undefined;
  let scaling: ScalingResult | undefined;
  const groups: GroupDrain[] = [];
  let ferretProfile: ProfileSummary | undefined;
  let apiProfile: ProfileSummary | undefined;
  const prefix = `bench${Date.now().toString(36)}.`;

  async function scenario(name: string, body: () => Promise<void>): Promise<void> {
    // The 1-min load average lags: let the previous scenario's load decay (at most 2 min) first.
    const settleUntil = Date.now() + 120_000;
    if (loadAverage().load1 > limit) say(`${name}: waiting for the load average (${loadAverage().load1}) to fall below ${limit} first`);
    while (loadAverage().load1 > limit && Date.now() < settleUntil) await new Promise((r) => setTimeout(r, 2_000));
    const loadBefore = loadAverage();
    const startedAt = new Date();
    say(`=== ${name} (load ${loadBefore.load1}) ===`);
    const profiler = new CpuProfiler();
    profiler.start();
    const heartbeat = setInterval(() => say(`${name}: ${Math.round((Date.now() - startedAt.getTime()) / 1000)} s, load ${loadAverage().load1}`), 30_000);
    let error: string | undefined;
    try {
      await body();
    } catch (e) {
      error = e instanceof Error ? e.message.split('\n')[0]! : String(e);
      say(`${name} FAILED: ${error}`);
    } finally {
      clearInterval(heartbeat);
    }
    const cpu = profiler.stop();
    const seconds = (Date.now() - startedAt.getTime()) / 1000;
    const record: ScenarioRecord = { name, startedAt: startedAt.toISOString(), seconds, loadBefore, loadAfter: loadAverage(), cpu, ...(error ? { error } : {}) };
    scenarios.push(record);
    say(`${name} took ${seconds.toFixed(0)} s; CPU (cores): ${cpu.slice(0, 4).map((c) => `${c.process} ${c.cores}`).join(', ')}`);
  }

  const want = new Set(options.scenarios);
  try {
    if (want.has('broker')) {
      await scenario('broker', async () => {
        broker = await measureBroker({ brokers: infra.env.KAFKA_BROKERS, admin, prefix, records: sizes.brokerRecords, rate: sizes.steadyRate, rateSeconds: sizes.brokerRateSeconds, progress: say });
        say(`broker ceiling: produce ${broker.producer.recordsPerSecond}/s, consume ${broker.consumer.recordsPerSecond}/s (${broker.recordBytes} B records)`);
      });
    }
    if (want.has('api')) {
      await scenario('api', async () => {
        const r = await apiScenario(sizes);
        api = r.result;
        apiProfile = r.profile;
      });
    }
    if (want.has('persistence')) {
      await scenario('persistence', async () => {
        const { runPersistenceBench } = await import('../persistence');
        // The drain's private FerretDB serves Go profiles on a free port for this scenario only.
        const pprof = `127.0.0.1:${await freePort()}`;
        process.env.MEDLIVES_FERRET_PPROF = pprof;
        const whileOursDrains = async () => {
          await new Promise((r) => setTimeout(r, 3_000));
          ferretProfile = await profileFerret(pprof, sizes.profileSeconds, `order-persistence draining ${fmt(sizes.persistenceEvents)} events (${sizes.profileSeconds} s, from 3 s into the drain)`, say);
        };
        const d = (await runPersistenceBench({ events: sizes.persistenceEvents, latency: false, write: false, whileOursDrains }).finally(() => delete process.env.MEDLIVES_FERRET_PPROF)) as {
          events: number;
          orders: number;
          batched: PersistenceResult['ours'];
          naive: PersistenceResult['naive'];
        };
        persistence = {
          events: d.events,
          orders: d.orders,
          ours: { eventsPerSecond: d.batched.eventsPerSecond, seconds: d.batched.seconds, writeCommands: d.batched.writeCommands, readCommands: d.batched.readCommands, documentsWritten: d.batched.documentsWritten, batches: d.batched.batches },
          naive: { eventsPerSecond: d.naive.eventsPerSecond, seconds: d.naive.seconds, writeCommands: d.naive.writeCommands },
        };
        say(`persistence: ours ${persistence.ours.eventsPerSecond}/s, naive ${persistence.naive.eventsPerSecond}/s`);
      });
    }
    if (want.has('steady')) {
      await scenario('steady', async () => {
        const { measureAcceptedToPersisted } = await import('../persistence-api-hook');
        const { isolatedTopology } = await import('@medlives/testkit');
        const topo = await isolatedTopology('bench-steady');
        const db = new URL(infra.env.MONGO_URL);
        db.pathname = `/bench_steady_${Date.now().toString(36)}`;
        try {
          const r = await measureAcceptedToPersisted({ kafkaBrokers: infra.env.KAFKA_BROKERS, mongoUrl: db.toString(), topicPrefix: topo.prefix, ratePerSecond: sizes.steadyRate, durationS: sizes.steadySeconds, sampleLag: true, onProgress: say });
          if (!r) throw new Error('accepted→persisted was not measured');
          steady = { ratePerSecond: sizes.steadyRate, durationS: sizes.steadySeconds, achievedPerSecond: r.achievedPerSecond, orders: r.orders, refused: r.refused, p50Ms: r.p50Ms, p95Ms: r.p95Ms, p99Ms: r.p99Ms, maxMs: r.maxMs, lag: r.lag };
          say(`steady: accepted→persisted p50 ${r.p50Ms} ms, p95 ${r.p95Ms} ms, p99 ${r.p99Ms} ms`);
        } finally {
          await topo.cleanup();
        }
      });
    }
    if (want.has('scaling')) await scenario('scaling', async () => void (scaling = await runScaling({ events: sizes.scalingEvents, instances: sizes.scalingInstances, progress: say })));
    if (want.has('groups') || want.has('analytics')) {
      const only = want.has('groups') ? undefined : ['orderPersistence', 'analytics'];
      await scenario('groups', async () => void groups.push(...(await runGroups({ events: sizes.groupEvents, consumerCeiling: broker?.consumer.recordsPerSecond, progress: say, ...(only ? { only } : {}) }))));
    }
    if (want.has('notification')) {
      await scenario('notification', async () => {
        process.env.BENCH_ORDERS = String(sizes.notificationOrders);
        const { runNotificationBench } = await import('../notification');
        const r = (await runNotificationBench()) as { notifications: number; notificationsPerSecond: number; seconds: number; oneAtATimePerSecond: number; providerLatencyMs: number };
        groups.push({
          group: 'notification-service',
          unit: 'notifications',
          items: r.notifications,
          perSecond: r.notificationsPerSecond,
          seconds: r.seconds,
          baseline: { label: 'one-at-a-time sender, same provider', perSecond: r.oneAtATimePerSecond },
          note: `provider answers after ${r.providerLatencyMs} ms`,
        });
      });
    }
  } finally {
    await admin.disconnect().catch(() => undefined);
  }

  const at = new Date().toISOString();
  const run: BenchRun = {
    at,
    quick: options.quick,
    scenariosRequested: [...options.scenarios],
    machine: mach,
    versions: runVersions,
    loadAtStart,
    scenarios,
    ...(broker ? { broker } : {}),
    ...(api ? { api } : {}),
    ...(persistence ? { persistence } : {}),
    ...(steady ? { steady } : {}),
    ...(scaling ? { scaling } : {}),
    ...(groups.length ? { groups } : {}),
    ...(ferretProfile || apiProfile ? { profiles: [ferretProfile, apiProfile].filter((p): p is ProfileSummary => p !== undefined) } : {}),
  };
  await writeOutputs(run);
  const verdict = checkQuiet(run);
  if (!verdict.quiet) {
    say('!!! NOT A QUIET RUN — the report is flagged:');
    for (const p of verdict.problems) say(`!!!   ${p}`);
  }
  for (const l of verdict.limits) say(`offered rate not reached: ${l}`);
  const failed = scenarios.some((s) => s.error);
  return { run, exitCode: failed ? 1 : options.strict && !verdict.quiet ? 2 : 0 };
}

export function outputDir(quick: boolean): string {
  return quick ? join(__dirname, '..', 'results', 'quick') : join(__dirname, '..');
}

export async function writeOutputs(run: BenchRun): Promise<void> {
  const dir = outputDir(run.quick);
  const results = join(__dirname, '..', 'results');
  mkdirSync(join(dir, 'charts'), { recursive: true });
  mkdirSync(results, { recursive: true });
  const json = join(results, `${stamp(run.at)}${run.quick ? '-quick' : ''}.json`);
  writeFileSync(json, `${JSON.stringify(run, null, 2)}\n`);
  for (const c of CHARTS) {
    const spec = c.spec(run);
    if (!spec) continue;
    try {
      writeFileSync(join(dir, 'charts', c.file), await renderSvg(spec));
    } catch (e) {
      say(`chart ${c.file} failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  const report = join(dir, 'report.md');
  writeFileSync(report, renderReport(run).replace(/`bench\/results\/[^`]+\.json`/, `\`${relative(join(__dirname, '..', '..'), json)}\``));
  say(`wrote ${relative(process.cwd(), report)}, ${relative(process.cwd(), json)} and charts in ${relative(process.cwd(), join(dir, 'charts'))}`);
}

async function apiScenario(sizes: Sizes): Promise<{ result: ApiResult; profile?: ProfileSummary }> {
  const { startApi, stop, load, orderBody } = await import('../api');
  const { ensureTopics } = await import('@medlives/kafka');
  const { resolveTopics } = await import('@medlives/topology');
  const { createServer } = await import('node:net');
  const prefix = `benchapi${Date.now().toString(36)}.`;
  const admin = createKafka({ brokers: process.env.KAFKA_BROKERS!.split(','), clientId: 'bench-api' }).admin();
  await admin.connect();
  await ensureTopics(admin, resolveTopics({ prefix }));
  const body = orderBody();
  const modes = {} as Record<ApiMode, { max: HttpLoad; fixed: HttpLoad }>;
  let profile: ProfileSummary | undefined;
  const variants: Array<{ name: ApiMode; mode: 'kafka' | 'direct'; path: string }> = [
    { name: 'validate', mode: 'kafka', path: '/api/v1/orders/validate' },
    { name: 'kafka', mode: 'kafka', path: '/api/v1/orders' },
    { name: 'direct', mode: 'direct', path: '/api/v1/orders' },
  ];
  try {
    for (const v of variants) {
      const port = await new Promise<number>((resolve) => {
        const s = createServer();
        s.listen(0, '127.0.0.1', () => {
          const p = (s.address() as { port: number }).port;
          s.close(() => resolve(p));
        });
      });
      say(`api ${v.name}: starting the API (WRITE_MODE=${v.mode}) on ${port}`);
      // The validation-only API is profiled (V8 CPU profile written when it exits): its ceiling is
      // the API's own per-request CPU, and the profile says where that goes.
      const profileDir = v.name === 'validate' ? mkdtempSync(join(tmpdir(), 'medlives-cpuprof-')) : undefined;
      const child = await startApi(v.mode, port, prefix, profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []);
      let served = 0;
      try {
        const url = `http://127.0.0.1:${port}${v.path}`;
        const warm = await load(url, body, { connections: 16, overallRate: 200, durationS: sizes.apiWarmupSeconds });
        const max = await load(url, body, { connections: 64, durationS: sizes.apiSeconds });
        const fixed = await load(url, body, { connections: 64, overallRate: sizes.steadyRate, durationS: sizes.apiSeconds });
        served = (warm.okPerSecond * sizes.apiWarmupSeconds) + (max.okPerSecond + fixed.okPerSecond) * sizes.apiSeconds;
        modes[v.name] = { max, fixed };
        say(`api ${v.name}: max ${max.okPerSecond}/s; at ${sizes.steadyRate}/s p50 ${fixed.p50Ms} ms p99 ${fixed.p99Ms} ms`);
      } finally {
        await stop(child);
      }
      if (profileDir) {
        try {
          const cpu = readLargestCpuProfile(profileDir);
          if (cpu) profile = summarizeCpuProfile(cpu, `the validation-only route: start-up, warm-up, max and ${fmt(sizes.steadyRate)}/s loads (${fmt(served)} requests)`, served);
          else say('api: no CPU profile was written');
        } finally {
          rmSync(profileDir, { recursive: true, force: true });
        }
      }
    }
  } finally {
    await admin.deleteTopics({ topics: (await admin.listTopics()).filter((t) => t.startsWith(prefix)) }).catch(() => undefined);
    await admin.disconnect();
  }
  return { result: { durationS: sizes.apiSeconds, fixedRate: sizes.steadyRate, modes }, ...(profile ? { profile } : {}) };
}
