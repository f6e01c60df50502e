import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

export const REPO = join(__dirname, '..', '..', '..');

export interface ChildApp {
  readonly process: ChildProcess;
  readonly exited: Promise<number | null>;
  /** stderr/stdout tail for failure messages. */
  output(): string;
}

/**
 * The worker as Kubernetes runs it: its own process, entered through main.ts. One node process
 * (`node --import tsx`), so a SIGKILL hits the worker itself, not a wrapper.
 */
export function spawnApp(app: string, env: Record<string, string>): ChildApp {
  const child = spawn(process.execPath, ['--import', 'tsx', join('apps', app, 'src', 'main.ts')], {
    cwd: REPO,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let tail = '';
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString()).slice(-8_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { process: child, exited, output: () => tail };
}
