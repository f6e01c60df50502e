/**
 * The local PostgreSQL behind FerretDB's PostgreSQL backend (`MEDLIVES_FERRET_BACKEND=postgresql`):
 * Debian's `postgresql` package, one cluster per state dir (MEDLIVES_STATE/postgres) on PG_PORT,
 * loopback only, trust authentication for the local `medlives` role (no password to keep).
 * PostgreSQL refuses to run as root: as root it runs as the `postgres` user the package creates
 * (or `nobody`), which owns the data dir.
 */
import { spawn } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { HOST, PG_PORT, STATE_DIR } from './paths';
import { InfraError, logFile, portOpen, run, runningPid, startDaemon, waitUntil } from './proc';

export const PG_USER = 'medlives';
export const PG_DATA = join(STATE_DIR, 'postgres');

/** Where initdb / postgres / createdb live: MEDLIVES_PG_BIN, the newest Debian cluster version, or PATH. */
export function pgBin(tool: string): string {
  if (process.env.MEDLIVES_PG_BIN) return join(process.env.MEDLIVES_PG_BIN, tool);
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', tool))).sort((a, b) => Number(b) - Number(a));
    if (versions[0]) return join(root, versions[0], 'bin', tool);
  }
  return tool;
}

/** The user the server runs as: ourselves, or (as root) an unprivileged one. */
async function serverUser(): Promise<{ uid: number; gid: number } | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  for (const name of ['postgres', 'nobody']) {
    try {
      const uid = Number((await run('id', ['-u', name])).stdout.trim());
      const gid = Number((await run('id', ['-g', name])).stdout.trim());
      return { uid, gid };
    } catch {
      /* try the next one */
    }
  }
  throw new InfraError('running as root and neither a `postgres` nor a `nobody` user exists to run PostgreSQL');
}

export const pgUrl = (database: string, port = PG_PORT) => `postgres://${PG_USER}@${HOST}:${port}/${database}`;

async function accepts(): Promise<boolean> {
  if (!(await portOpen(HOST, PG_PORT))) return false;
  try {
    await run(pgBin('psql'), ['-h', HOST, '-p', String(PG_PORT), '-U', PG_USER, '-d', 'postgres', '-Atc', 'select 1']);
    return true;
  } catch {
    return false;
  }
}

/** Starts (or reuses) this state dir's PostgreSQL; returns its pid when it runs. */
export async function postgresUp(log: (s: string) => void): Promise<{ state: 'started' | 'reused'; pid?: number }> {
  const pid = runningPid('postgres');
  if (pid !== undefined && (await accepts())) return { state: 'reused', pid };
  if (await portOpen(HOST, PG_PORT)) throw new InfraError(`port ${PG_PORT} is taken by something else; set MEDLIVES_PG_PORT`);
  const as = await serverUser();
  if (!existsSync(join(PG_DATA, 'PG_VERSION'))) {
    if (!existsSync(pgBin('initdb')) && pgBin('initdb') !== 'initdb') throw new InfraError(`${pgBin('initdb')} not found`);
    log(`initialising PostgreSQL in ${PG_DATA}`);
    mkdirSync(PG_DATA, { recursive: true });
    if (as) {
      chownSync(PG_DATA, as.uid, as.gid);
      traversable(dirname(PG_DATA), log);
    }
    await new Promise<void>((resolve, reject) => {
      // run() has no uid option; initdb is short, spawn it directly as the server's user.
      const child = spawn(pgBin('initdb'), ['-D', PG_DATA, '-U', PG_USER, '--auth=trust', '--encoding=UTF8', '--no-locale', '--no-sync'], { stdio: ['ignore', 'pipe', 'pipe'], ...as });
      let out = '';
      child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
      child.once('error', (e) => reject(new InfraError(`initdb could not start (install Debian's postgresql package): ${e.message}`)));
      child.once('exit', (code) => (code === 0 ? resolve() : reject(new InfraError(`initdb exited ${code}\n${out.slice(-2000)}`))));
    });
  }
  // Loopback TCP only and no unix socket (nothing shared with other instances); each FerretDB
  // pools up to ~50 connections, and tests run a few at once. Default durability (fsync on commit).
  const args = ['-D', PG_DATA, '-p', String(PG_PORT), '-c', `listen_addresses=${HOST}`, '-k', '', '-c', 'max_connections=400'];
  const started = startDaemon('postgres', pgBin('postgres'), args, STATE_DIR, as);
  await waitUntil(`PostgreSQL on ${HOST}:${PG_PORT}`, accepts, 60_000, logFile('postgres'));
  return { state: 'started', pid: started };
}

/**
 * The server's user must reach its data dir: add search (x, not read) permission for others on
 * ancestors that lack it (e.g. a 0700 temporary state dir made by root).
 */
function traversable(dir: string, log: (s: string) => void): void {
  for (let d = dir; d !== dirname(d); d = dirname(d)) {
    const mode = statSync(d).mode & 0o7777;
    if ((mode & 0o001) === 0) {
      chmodSync(d, mode | 0o001);
      log(`made ${d} traversable for the PostgreSQL user (o+x)`);
    }
  }
}

/** Creates a database on the running server unless it exists. */
export async function ensurePgDatabase(name: string, port = PG_PORT): Promise<void> {
  const args = ['-h', HOST, '-p', String(port), '-U', PG_USER];
  const exists = (await run(pgBin('psql'), [...args, '-d', 'postgres', '-Atc', `select 1 from pg_database where datname = '${name}'`])).stdout.trim() === '1';
  if (!exists) await run(pgBin('createdb'), [...args, name]);
}

export async function dropPgDatabase(name: string, port = PG_PORT): Promise<void> {
  await run(pgBin('dropdb'), ['-h', HOST, '-p', String(port), '-U', PG_USER, '--if-exists', '--force', name]);
}
