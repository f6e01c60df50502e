/**
 * What the report records about the machine and each scenario: cores / memory / CPU model, load
 * average, versions, and CPU seconds per process from /proc/<pid>/stat (Kafka, FerretDB, and every
 * process this bench started, grouped by what they run).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { basename, join } from 'node:path';
import { KAFKA_VERSION } from '../../scripts/infra/kafka';
import { ferretBinary } from '../../scripts/infra/ferretdb-build';
import { runningPid } from '../../scripts/infra/proc';
import type { CpuShare, LoadAverage, Machine, Versions } from './model';

const REPO = join(__dirname, '..', '..');
/** USER_HZ: the unit of utime/stime in /proc/<pid>/stat; 100 on every Linux this runs on. */
const TICKS_PER_SECOND = 100;

export function machine(): Machine {
  return { cores: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', memoryGiB: Math.round(totalmem() / 2 ** 30) };
}

export function loadAverage(): LoadAverage {
  const [load1, load5, load15] = loadavg() as [number, number, number];
  return { load1: Number(load1.toFixed(2)), load5: Number(load5.toFixed(2)), load15: Number(load15.toFixed(2)) };
}

function git(args: string[]): string {
  try {
    return execFileSync('git', args, { cwd: REPO, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return '';
  }
}

/**
 * The database backend as the infra reports it: an explicit backend variable if the infra sets one,
 * else the detail `infra:up` printed for the mongo service, else the default.
 */
export function databaseBackend(infraDetail: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const explicit = Object.entries(env).find(([k, v]) => /^MEDLIVES_(FERRET|DB|MONGO)_?BACKEND$/.test(k) && v)?.[1];
  if (explicit) return `FerretDB (${explicit})`;
  if (env.BENCH_MONGO_URL) return 'BENCH_MONGO_URL';
  if (infraDetail && /sqlite|postgres/i.test(infraDetail)) return infraDetail;
  if (infraDetail && /mongod/i.test(infraDetail)) return `MongoDB (${infraDetail})`;
  return 'FerretDB (SQLite)';
}

export function versions(infraDetail: string | undefined): Versions {
  let ferret = 'FerretDB';
  try {
    const goMod = readFileSync(join(REPO, 'scripts', 'infra', 'ferretdb', 'go.mod'), 'utf8');
    const v = /github\.com\/FerretDB\/FerretDB (v\S+)/.exec(goMod)?.[1];
    ferret = `FerretDB ${v ?? '?'} (build ${basename(ferretBinary())})`;
  } catch {
    /* keep the generic name */
  }
  const commit = git(['rev-parse', '--short=12', 'HEAD']) || 'unknown';
  const dirty = git(['status', '--porcelain', '--untracked-files=no']) ? ' (+ uncommitted changes)' : '';
  return { node: process.version, kafka: KAFKA_VERSION, ferretdb: ferret, databaseBackend: databaseBackend(infraDetail), gitCommit: `${commit}${dirty}` };
}

interface ProcInfo {
  pid: number;
  ppid: number;
  ticks: number;
}

function readStat(pid: number): ProcInfo | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // comm may contain spaces and parentheses: fields start after the last ')'
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { pid, ppid: Number(rest[1]), ticks: Number(rest[11]) + Number(rest[12]) };
  } catch {
    return undefined;
  }
}

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return '';
  }
}

/** A readable name for a process from its command line. */
export function labelOf(cmd: string, pid: number, self: number): string {
  if (pid === self) return 'bench (node: load generator + in-process workers)';
  if (/ferretdb/i.test(cmd)) return 'ferretdb';
  if (/kafka\.Kafka\b/.test(cmd)) return 'kafka broker';
  if (/ProducerPerformance/.test(cmd)) return 'kafka ProducerPerformance';
  if (/ConsumerPerformance/.test(cmd)) return 'kafka ConsumerPerformance';
  if (/postgres/.test(cmd)) return 'postgres';
  const app = /apps\/([a-z-]+)\/src\/main\.ts/.exec(cmd)?.[1];
  if (app) return `node ${app}`;
  if (/esbuild/.test(cmd)) return 'esbuild (tsx)';
  return basename(cmd.split(' ')[0] ?? 'other') || 'other';
}

function allProcs(): ProcInfo[] {
  const out: ProcInfo[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const info = readStat(Number(name));
    if (info) out.push(info);
  }
  return out;
}

/**
 * Samples CPU ticks of the infra daemons and of this process's descendants. Processes that start
 * and exit between two samples are caught by sampling every second while a scenario runs.
 */
export class CpuProfiler {
  private readonly first = new Map<number, number>();
  private readonly last = new Map<number, number>();
  private readonly labels = new Map<number, string>();
  private timer: NodeJS.Timeout | undefined;
  private started = 0;

  start(): void {
    this.first.clear();
    this.last.clear();
    this.labels.clear();
    this.started = Date.now();
    this.sample(true);
    this.timer = setInterval(() => this.sample(), 1_000);
    this.timer.unref();
  }

  private sample(initial = false): void {
    // A failed sample (e.g. EMFILE while the load generator holds many sockets) is skipped: it
    // must never take the bench down from a timer.
    try {
      this.sampleOnce(initial);
    } catch {
      /* next second's sample covers it */
    }
  }

  private sampleOnce(initial: boolean): void {
    const self = process.pid;
    const procs = allProcs();
    const children = new Map<number, number[]>();
    for (const p of procs) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p.pid]);
    const wanted = new Set<number>();
    const walk = (pid: number) => {
      if (wanted.has(pid)) return;
      wanted.add(pid);
      for (const c of children.get(pid) ?? []) walk(c);
    };
    walk(self);
    for (const name of ['kafka', 'ferretdb', 'mongod']) {
      const pid = runningPid(name);
      if (pid !== undefined) walk(pid);
    }
    for (const p of procs) {
      if (!wanted.has(p.pid)) continue;
      if (!this.first.has(p.pid)) {
        // a process already running counts from now; one born during the scenario from zero
        this.first.set(p.pid, initial ? p.ticks : 0);
        this.labels.set(p.pid, labelOf(cmdline(p.pid), p.pid, self));
      }
      this.last.set(p.pid, p.ticks);
    }
  }

  stop(): CpuShare[] {
    this.sample();
    if (this.timer) clearInterval(this.timer);
    const wall = Math.max(0.001, (Date.now() - this.started) / 1000);
    const byLabel = new Map<string, number>();
    for (const [pid, end] of this.last) {
      const label = this.labels.get(pid) ?? 'other';
      byLabel.set(label, (byLabel.get(label) ?? 0) + (end - (this.first.get(pid) ?? end)) / TICKS_PER_SECOND);
    }
    return [...byLabel]
      .map(([process, cpuSeconds]) => ({ process, cpuSeconds: Number(cpuSeconds.toFixed(2)), cores: Number((cpuSeconds / wall).toFixed(2)) }))
      .filter((s) => s.cpuSeconds > 0)
      .sort((a, b) => b.cpuSeconds - a.cpuSeconds);
  }
}

export const procAvailable = existsSync('/proc/self/stat');
