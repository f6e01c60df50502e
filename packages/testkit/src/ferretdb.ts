/**
 * Private FerretDB instances for suites that need a server of their own: the database-outage
 * test stops and restarts its server, and the heavy suites keep their load off the shared one.
 * Same build and backend as the shared server of `npm run infra:up` (scripts/infra/ferretdb-build.ts,
 * `MEDLIVES_FERRET_BACKEND`): on PostgreSQL each instance gets a database of its own on the state
 * dir's PostgreSQL server (started if needed), dropped by `destroy`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureFerretBinary } from '../../../scripts/infra/ferretdb-build';
import { ferretBackend, ferretTuning, pings } from '../../../scripts/infra/mongo';
import { dropPgDatabase, ensurePgDatabase, pgUrl, postgresUp } from '../../../scripts/infra/postgres';
import { waitFor } from './index';

export interface FerretInstance {
  readonly url: string;
  readonly port: number;
  readonly backend: 'sqlite' | 'postgresql';
  /** Stops the server (SIGTERM) and waits for it to exit; the data directory stays. */
  stop(): Promise<void>;
  /** Starts it again on the same port and data. */
  start(): Promise<void>;
  /** Stops it and removes its data. */
  destroy(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Starts a FerretDB of our own on a free port with a fresh data directory. */
export async function startFerret(): Promise<FerretInstance> {
  const backend = ferretBackend();
  const binary = await ensureFerretBinary();
  const port = await freePort();
  const data = mkdtempSync(join(tmpdir(), 'medlives-ferret-'));
  const url = `mongodb://127.0.0.1:${port}/medlives`;
  const pgDatabase = `ferret_${port}_${process.pid}`;
  let storage = ['-data', data];
  if (backend === 'postgresql') {
    await postgresUp(() => undefined);
    await ensurePgDatabase(pgDatabase);
    storage = ['-handler', 'postgresql', '-postgresql-url', pgUrl(pgDatabase)];
  }
  let child: ChildProcess | undefined;
  const instance: FerretInstance = {
    url,
    port,
    backend,
    async start() {
      if (child) return;
      child = spawn(binary, ['-listen', `127.0.0.1:${port}`, ...storage, ...ferretTuning()], { stdio: 'ignore' });
      await waitFor(`FerretDB on ${port}`, () => pings(url, 500), { timeoutMs: 30_000, intervalMs: 100 });
    },
    async stop() {
      const c = child;
      child = undefined;
      if (!c || c.exitCode !== null) return;
      const exited = new Promise((resolve) => c.once('exit', resolve));
      c.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([exited, new Promise((r) => (timer = setTimeout(r, 10_000)))]);
      clearTimeout(timer);
      if (c.exitCode === null) {
        c.kill('SIGKILL');
        await exited;
      }
    },
    async destroy() {
      await instance.stop();
      rmSync(data, { recursive: true, force: true });
      if (backend === 'postgresql') await dropPgDatabase(pgDatabase);
    },
  };
  await instance.start();
  return instance;
}

/** A database URL on the given server (fresh name per suite). */
export function databaseUrl(server: FerretInstance, name: string): string {
  return server.url.replace(/\/medlives$/, `/${name.replace(/[^a-zA-Z0-9_]/g, '_')}`);
}
