/**
 * The local etcd + kube-apiserver of scripts/k8s (loopback, shared CRDs, no controllers), for tests
 * that need a real API server. Missing tool binaries fail the suite, never skip it: CI builds them
 * with scripts/k8s/tools.sh before the tests, and a skipped validation would pass unvalidated manifests.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';

export const REPO = resolve(__dirname, '../..');
/** Same defaults as scripts/k8s/*.sh. */
export const CACHE = process.env.MEDLIVES_CACHE ?? join(homedir(), '.cache', 'medlives');
export const BIN = join(CACHE, 'bin');
export const KUBECONFIG = join(CACHE, 'k8s', 'kubeconfig');

export type Tool = 'etcd' | 'kube-apiserver' | 'kubectl' | 'helm' | 'tilt' | 'keda-operator';
export const ALL_TOOLS: readonly Tool[] = ['etcd', 'kube-apiserver', 'kubectl', 'helm', 'tilt'];

export interface RunResult {
  readonly command: string;
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

export interface RunOptions {
  readonly input?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
}

/** The environment of `scripts/k8s/apiserver.sh env`: its kubeconfig, its binaries first on PATH. */
export function toolEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { ...process.env, KUBECONFIG, PATH: `${BIN}:${process.env.PATH ?? ''}`, ...extra };
}

export function run(command: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const started = Date.now();
  return new Promise((done, fail) => {
    const child = spawn(command, args, { cwd: options.cwd ?? REPO, env: options.env ?? toolEnv() });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', fail);
    child.on('close', (code) =>
      done({ command: [command, ...args].join(' '), code, stdout, stderr, ms: Date.now() - started }),
    );
    child.stdin.end(options.input ?? '');
  });
}

export function requireTools(tools: readonly Tool[] = ALL_TOOLS): void {
  const missing = tools.filter((t) => {
    try {
      accessSync(join(BIN, t), constants.X_OK);
      return false;
    } catch {
      return true;
    }
  });
  if (missing.length) {
    throw new Error(
      `Kubernetes tools missing from ${BIN}: ${missing.join(', ')}. Build them with scripts/k8s/tools.sh ` +
        '(cached afterwards; see scripts/k8s/README.md for cold times. CI starts it in the background).',
    );
  }
}

/** `scripts/k8s/apiserver.sh up`: starts etcd + kube-apiserver, or reuses them, and (re)applies the CRDs. */
export async function ensureApiServer(): Promise<RunResult> {
  requireTools(['etcd', 'kube-apiserver', 'kubectl']);
  // Jest workers run suites in parallel: two cold `up`s would both start etcd on the same port.
  mkdirSync(dirname(KUBECONFIG), { recursive: true });
  const lock = join(dirname(KUBECONFIG), 'up.lock');
  const result = await run('flock', ['-o', lock, join(REPO, 'scripts/k8s/apiserver.sh'), 'up']);
  if (result.code !== 0) throw new Error(`scripts/k8s/apiserver.sh up failed (${result.code}):\n${result.stderr}${result.stdout}`);
  return result;
}

/**
 * `scripts/k8s/keda.sh up`: the KEDA operator against the local API server, watching only
 * `watchNamespace` (other suites write ScaledObject status by hand), started or reused.
 * Resolves to true when this call started it (the caller then stops it with `stopKeda`).
 */
export async function ensureKeda(watchNamespace: string): Promise<boolean> {
  requireTools(['keda-operator']);
  const lock = join(dirname(KUBECONFIG), 'keda.lock');
  const env = toolEnv({ MEDLIVES_KEDA_WATCH_NAMESPACE: watchNamespace });
  const result = await run('flock', ['-o', lock, join(REPO, 'scripts/k8s/keda.sh'), 'up'], { env });
  if (result.code !== 0) throw new Error(`scripts/k8s/keda.sh up failed (${result.code}):\n${result.stderr}${result.stdout}`);
  return result.stdout.includes('started');
}

export async function stopKeda(): Promise<void> {
  succeeded(await run(join(REPO, 'scripts/k8s/keda.sh'), ['down']));
}

export function kubectl(args: readonly string[], input?: string): Promise<RunResult> {
  return run(join(BIN, 'kubectl'), args, input === undefined ? {} : { input });
}

/** Throws with the tool's own output, so a failing assertion shows what kubectl/helm said. */
export function succeeded(result: RunResult): RunResult {
  if (result.code !== 0) throw new Error(`${result.command} exited ${result.code}:\n${result.stderr}${result.stdout}`);
  return result;
}

/** Namespaces must really exist: a dry-run or a namespace inside the applied set does not count. */
export async function ensureNamespace(name: string): Promise<void> {
  const manifest = stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  succeeded(await kubectl(['apply', '--server-side', '-f', '-'], manifest));
}

/** The non-empty documents of a multi-document YAML stream, as plain objects. */
export function documents(yamlText: string): Record<string, unknown>[] {
  return parseAllDocuments(yamlText)
    .map((d) => {
      if (d.errors.length) throw new Error(`invalid YAML: ${d.errors.map((e) => e.message).join('; ')}`);
      return d.toJS() as unknown;
    })
    .filter((d): d is Record<string, unknown> => d !== null && typeof d === 'object');
}

export function toYamlStream(objects: readonly unknown[]): string {
  return objects.map((o) => stringify(o)).join('---\n');
}
