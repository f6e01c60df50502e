import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { RUN_DIR } from './paths';

export class InfraError extends Error {
  override readonly name = 'InfraError';
}

export function pidFile(name: string): string {
  return join(RUN_DIR, `${name}.pid`);
}

export function logFile(name: string): string {
  return join(RUN_DIR, `${name}.log`);
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export function runningPid(name: string): number | undefined {
  const file = pidFile(name);
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, 'utf8').trim());
  return Number.isInteger(pid) && pid > 0 && isAlive(pid) ? pid : undefined;
}

/**
 * Starts a daemon that outlives this process (detached, own process group, output to a log file),
 * optionally as another user (`as`: PostgreSQL refuses to run as root).
 */
export function startDaemon(name: string, command: string, args: string[], cwd: string, as?: { uid: number; gid: number }): number {
  mkdirSync(RUN_DIR, { recursive: true });
  const fd = openSync(logFile(name), 'a');
  const child = spawn(command, args, { cwd, detached: true, stdio: ['ignore', fd, fd], ...as });
  closeSync(fd);
  if (child.pid === undefined) throw new InfraError(`could not start ${command}`);
  child.unref();
  writeFileSync(pidFile(name), String(child.pid));
  return child.pid;
}

export async function stopDaemon(name: string, graceMs = 20_000): Promise<boolean> {
  const pid = runningPid(name);
  rmSync(pidFile(name), { force: true });
  if (pid === undefined) return false;
  // Signal the whole process group: a wrapper (e.g. a shell) must not leave its child behind.
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(-pid, sig);
    } catch {
      try {
        process.kill(pid, sig);
      } catch {
        /* already gone */
      }
    }
  };
  signal('SIGTERM');
  const deadline = Date.now() + graceMs;
  while (isAlive(pid) && Date.now() < deadline) await sleep(100);
  if (isAlive(pid)) signal('SIGKILL');
  while (isAlive(pid)) await sleep(50);
  return true;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export function portOpen(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export async function waitUntil(what: string, check: () => Promise<boolean>, timeoutMs: number, logPath?: string) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await sleep(200);
  }
  const tail = logPath && existsSync(logPath) ? `\n--- last lines of ${logPath} ---\n${readFileSync(logPath, 'utf8').split('\n').slice(-20).join('\n')}` : '';
  throw new InfraError(`${what} not ready after ${timeoutMs} ms${tail}`);
}

/** Fails with one clear sentence naming what to install when a tool is missing. */
export async function requireTool(command: string, versionArgs: string[], install: string): Promise<void> {
  const ok = await new Promise<boolean>((resolve) => {
    const child = spawn(command, versionArgs, { stdio: 'ignore' });
    child.once('error', () => resolve(false));
    child.once('exit', (code) => resolve(code === 0));
  });
  if (!ok) throw new InfraError(`${command} is required but was not found on PATH: ${install}`);
}

/** Runs a command to completion; resolves with its stdout, rejects with the output's tail. */
export function run(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<{ stdout: string }> {
  return new Promise((resolve, reject) => {
    let output = '';
    let stdout = '';
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString();
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve({ stdout }) : reject(new InfraError(`${command} ${args.join(' ')} exited ${code}\n${output.slice(-4000)}`)),
    );
  });
}
