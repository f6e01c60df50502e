/**
 * CPU profiles taken during the run, so that "what bounds it" in the report is measured, not
 * guessed (issue 11): a Go CPU profile of FerretDB while order-persistence drains its backlog
 * (FerretDB's `-pprof` endpoint, read with `go tool pprof`), and a V8 CPU profile of the producer
 * API while it serves the validation-only route (`node --cpu-prof`).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

export interface ProfileLine {
  readonly what: string;
  /** Share of the profiled process's busy CPU, in percent. */
  readonly percent: number;
}

export interface ProfileSummary {
  readonly process: string;
  readonly during: string;
  readonly tool: string;
  /** CPU seconds the profile sampled (busy time; idle excluded). */
  readonly busySeconds: number;
  /** Inclusive shares for Go (a function and what it calls); self-time shares for Node. */
  readonly lines: readonly ProfileLine[];
  /** Busy CPU milliseconds per item (request) over the profiled life of the process, when known. */
  readonly msPerItem?: number;
}

/** What we look for in FerretDB's profile: cumulative share of each part of a write. */
const FERRET_PARTS: ReadonlyArray<readonly [RegExp, string]> = [
  [/handler\.\(\*Handler\)\.MsgUpdate$/, 'update commands (the replace of existing orders)'],
  [/handler\.\(\*Handler\)\.MsgInsert$/, 'insert commands (new orders)'],
  [/handler\.\(\*Handler\)\.MsgFind$/, 'find commands (the batched `_id: {$in}` reads)'],
  [/handler\/common\.\(\*filterIterator\)\.Next$/, 'reading the current document of each updated order'],
  [/handler\/sjson\.Unmarshal$/, 'decoding stored JSON into documents'],
  [/handler\/sjson\.Marshal$/, 'encoding documents to JSON'],
  [/sqlite\/lib\.Xsqlite3_step$/, 'SQLite executing statements'],
  [/fsql\.\(\*DB\)\.InTransaction$/, 'inside SQLite transactions (writes)'],
  [/^runtime\.gcBgMarkWorker$/, 'Go garbage collector'],
  [/^log\/slog\.\(\*Logger\)\.With$/, 'debug-log formatting (removed by patch 7)'],
];

/** Parses `go tool pprof -top -cum` output into name → cumulative percent. */
export function parsePprofTop(text: string): { totalSeconds: number; cum: Map<string, number> } {
  const total = /Total samples = ([\d.]+)(ms|s)/.exec(text);
  const totalSeconds = total ? Number(total[1]) / (total[2] === 'ms' ? 1000 : 1) : 0;
  const cum = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^\s*[\d.]+(?:ms|s|us|ns)?\s+[\d.]+%\s+[\d.]+%\s+[\d.]+(?:ms|s|us|ns)?\s+([\d.]+)%\s+(.+?)\s*$/.exec(line);
    if (m && !cum.has(m[2]!)) cum.set(m[2]!, Number(m[1]));
  }
  return { totalSeconds, cum };
}

export function summarizeFerret(text: string, during: string, seconds: number): ProfileSummary {
  const { totalSeconds, cum } = parsePprofTop(text);
  const lines: ProfileLine[] = [];
  for (const [pattern, what] of FERRET_PARTS) {
    const found = [...cum.entries()].find(([name]) => pattern.test(name));
    if (found) lines.push({ what, percent: found[1] });
  }
  return { process: 'FerretDB', during, tool: `Go CPU profile, ${seconds} s (FerretDB -pprof, go tool pprof -top -cum)`, busySeconds: totalSeconds, lines };
}

/** Takes a Go CPU profile from a pprof endpoint; undefined (with the reason logged) when it cannot. */
export async function profileFerret(pprofAddress: string, seconds: number, during: string, log: (s: string) => void): Promise<ProfileSummary | undefined> {
  const dir = mkdtempSync(join(tmpdir(), 'medlives-pprof-'));
  try {
    const response = await fetch(`http://${pprofAddress}/debug/pprof/profile?seconds=${seconds}`);
    if (!response.ok) throw new Error(`pprof answered ${response.status}`);
    const file = join(dir, 'ferretdb.pb.gz');
    writeFileSync(file, Buffer.from(await response.arrayBuffer()));
    const { stdout } = await promisify(execFile)('go', ['tool', 'pprof', '-top', '-cum', '-nodecount=2000', file], { maxBuffer: 64 * 1024 * 1024 });
    const summary = summarizeFerret(stdout, during, seconds);
    if (summary.busySeconds === 0) throw new Error('no CPU samples (the drain ended before the profile)');
    return summary;
  } catch (error) {
    log(`FerretDB profile not taken: ${error instanceof Error ? error.message : String(error)}`);
    return undefined;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string } }>;
  samples: number[];
  timeDeltas: number[];
}

/** Where a V8 profile frame belongs: a package, a Node internal module, our code, or the VM. */
function bucketOf(functionName: string, url: string): string {
  if (!url) {
    if (functionName === '(garbage collector)') return 'V8 garbage collector';
    if (functionName === '(program)') return 'V8 / native (program)';
    return `native: ${functionName || '(anonymous)'}`;
  }
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const parts = url.slice(nm + 'node_modules/'.length).split('/');
    return `npm ${parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]}`;
  }
  if (url.startsWith('node:')) {
    const mod = url.slice(5);
    if (/^_?http|internal\/http/.test(mod)) return 'Node http';
    if (/stream|net|stream_base/.test(mod)) return 'Node streams / sockets';
    if (/modules|vm|translators/.test(mod)) return 'Node module loading (start-up)';
    return `Node ${mod.replace(/^internal\//, '').split('/')[0]}`;
  }
  const ours = /\/(apps|packages)\/([^/]+)\//.exec(url);
  return ours ? `ours: ${ours[1]}/${ours[2]}` : url;
}

/** Self time per bucket, as a share of busy time (idle excluded). */
export function summarizeCpuProfile(profile: CpuProfile, during: string, items?: number): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
  const self = new Map<string, number>();
  let busy = 0;
  profile.samples.forEach((id, i) => {
    const frame = byId.get(id);
    const dt = profile.timeDeltas[i] ?? 0;
    if (!frame || frame.functionName === '(idle)') return;
    busy += dt;
    const bucket = bucketOf(frame.functionName, frame.url);
    self.set(bucket, (self.get(bucket) ?? 0) + dt);
  });
  const lines = [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 12)
    .map(([what, us]) => ({ what, percent: +((us / Math.max(busy, 1)) * 100).toFixed(1) }));
  const busySeconds = busy / 1e6;
  return {
    process: 'producer-api',
    during,
    tool: 'V8 CPU profile of the whole process (node --cpu-prof), self time per package',
    busySeconds: +busySeconds.toFixed(2),
    lines,
    ...(items ? { msPerItem: +((busySeconds * 1000) / items).toFixed(3) } : {}),
  };
}

/** The largest `.cpuprofile` in a directory (tsx's launcher writes a small one of its own). */
export function readLargestCpuProfile(dir: string): CpuProfile | undefined {
  const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  if (!files.length) return undefined;
  const largest = files.map((f) => join(dir, f)).sort((a, b) => statSync(b).size - statSync(a).size)[0]!;
  return JSON.parse(readFileSync(largest, 'utf8')) as CpuProfile;
}
