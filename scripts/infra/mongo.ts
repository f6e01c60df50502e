import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mongoose from 'mongoose';
import { ensureFerretBinary } from './ferretdb-build';
import { HOST, MONGO_PORT, RUN_DIR, STATE_DIR } from './paths';
import { ensurePgDatabase, pgUrl, postgresUp } from './postgres';
import { InfraError, logFile, portOpen, run, runningPid, startDaemon, waitUntil } from './proc';
import type { ServiceState } from './kafka';

export const localMongoUrl = `mongodb://${HOST}:${MONGO_PORT}`;

/** True when a MongoDB-wire server at `url` answers a ping within the timeout. */
export async function pings(url: string, timeoutMs = 1_500): Promise<boolean> {
  const conn = mongoose.createConnection(url, { serverSelectionTimeoutMS: timeoutMs });
  try {
    await conn.asPromise();
    await conn.db!.admin().ping();
    return true;
  } catch {
    return false;
  } finally {
    await conn.close().catch(() => undefined);
  }
}

async function onPath(command: string): Promise<boolean> {
  try {
    await run('sh', ['-c', `command -v ${command}`]);
    return true;
  } catch {
    return false;
  }
}

export type FerretBackend = 'sqlite' | 'postgresql';

/**
 * FerretDB's storage: `MEDLIVES_FERRET_BACKEND=sqlite|postgresql`. SQLite is the default
 * (measured faster on the persistence bench here, README "Local FerretDB").
 */
export function ferretBackend(env: NodeJS.ProcessEnv = process.env): FerretBackend {
  const value = env.MEDLIVES_FERRET_BACKEND ?? 'sqlite';
  if (value !== 'sqlite' && value !== 'postgresql') throw new InfraError(`MEDLIVES_FERRET_BACKEND must be sqlite or postgresql, got "${value}"`);
  return value;
}

const backendFile = () => join(RUN_DIR, 'ferretdb.backend');

/** The backend of the FerretDB this state dir runs (recorded at start). */
export function runningFerretBackend(): FerretBackend | undefined {
  if (!existsSync(backendFile())) return undefined;
  const value = readFileSync(backendFile(), 'utf8').trim();
  return value === 'postgresql' || value === 'sqlite' ? value : undefined;
}

/**
 * MISSION: a given MONGO_URL wins, then a real `mongod` on PATH, then FerretDB built from the Go
 * module proxy, on SQLite or (MEDLIVES_FERRET_BACKEND=postgresql) on a local PostgreSQL.
 */
export async function mongoUp(log: (s: string) => void): Promise<ServiceState> {
  const given = process.env.MONGO_URL;
  if (given) {
    if (!(await pings(given))) throw new InfraError('MONGO_URL is set but the server does not answer a ping');
    return { name: 'mongo', url: given, state: 'external', detail: 'from MONGO_URL' };
  }
  const backend = ferretBackend();
  for (const name of ['mongod', 'ferretdb']) {
    const pid = runningPid(name);
    if (pid === undefined || !(await pings(localMongoUrl))) continue;
    const running = name === 'ferretdb' ? (runningFerretBackend() ?? 'sqlite') : undefined;
    if (running && running !== backend) {
      throw new InfraError(`FerretDB is running on ${running} but MEDLIVES_FERRET_BACKEND asks for ${backend}; run \`npm run infra:down\` first`);
    }
    return { name: 'mongo', url: localMongoUrl, state: 'reused', pid, detail: running ? `ferretdb (${running})` : name };
  }
  if (await portOpen(HOST, MONGO_PORT)) {
    if (await pings(localMongoUrl)) return { name: 'mongo', url: localMongoUrl, state: 'external', detail: 'a server not started by medlives' };
    throw new InfraError(`port ${MONGO_PORT} is taken by something that does not speak MongoDB; set MEDLIVES_MONGO_PORT`);
  }
  if (await onPath('mongod')) {
    const data = join(STATE_DIR, 'mongod');
    mkdirSync(data, { recursive: true });
    const pid = startDaemon('mongod', 'mongod', ['--dbpath', data, '--bind_ip', HOST, '--port', String(MONGO_PORT), '--quiet'], STATE_DIR);
    await waitUntil(`mongod on ${localMongoUrl}`, () => pings(localMongoUrl), 60_000, logFile('mongod'));
    return { name: 'mongo', url: localMongoUrl, state: 'started', pid, detail: 'mongod from PATH' };
  }
  const binary = await ensureFerretBinary(log);
  const data = join(STATE_DIR, 'ferretdb');
  mkdirSync(data, { recursive: true });
  let storage = ['-data', data];
  if (backend === 'postgresql') {
    const pg = await postgresUp(log);
    log(`PostgreSQL ${pg.state}${pg.pid ? ` (pid ${pg.pid})` : ''}`);
    await ensurePgDatabase('ferretdb');
    storage = ['-handler', 'postgresql', '-postgresql-url', pgUrl('ferretdb')];
  }
  const pid = startDaemon('ferretdb', binary, ['-listen', `${HOST}:${MONGO_PORT}`, ...storage, ...ferretTuning()], STATE_DIR);
  writeFileSync(backendFile(), backend);
  await waitUntil(`FerretDB on ${localMongoUrl}`, () => pings(localMongoUrl), 30_000, logFile('ferretdb'));
  return { name: 'mongo', url: localMongoUrl, state: 'started', pid, detail: `FerretDB v1 (${backend}, _id pushdown patches)` };
}

/**
 * `MEDLIVES_SQLITE_SYNC=full|normal` (default normal: survives a crash of the server, not of the
 * OS; see scripts/infra/ferretdb/main.go) and `MEDLIVES_FERRET_PPROF=127.0.0.1:6060` (Go profiles
 * of the server, for the benchmarks).
 */
export function ferretTuning(env: NodeJS.ProcessEnv = process.env): string[] {
  return [
    ...(env.MEDLIVES_SQLITE_SYNC ? ['-synchronous', env.MEDLIVES_SQLITE_SYNC] : []),
    ...(env.MEDLIVES_FERRET_PPROF ? ['-pprof', env.MEDLIVES_FERRET_PPROF] : []),
  ];
}
