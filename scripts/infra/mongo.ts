import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import mongoose from 'mongoose';
import { ensureFerretBinary } from './ferretdb-build';
import { HOST, MONGO_PORT, STATE_DIR } from './paths';
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

/**
 * MISSION: a given MONGO_URL wins, then a real `mongod` on PATH, then FerretDB (SQLite backend)
 * built from the Go module proxy.
 */
export async function mongoUp(log: (s: string) => void): Promise<ServiceState> {
  const given = process.env.MONGO_URL;
  if (given) {
    if (!(await pings(given))) throw new InfraError('MONGO_URL is set but the server does not answer a ping');
    return { name: 'mongo', url: given, state: 'external', detail: 'from MONGO_URL' };
  }
  for (const name of ['mongod', 'ferretdb']) {
    const pid = runningPid(name);
    if (pid !== undefined && (await pings(localMongoUrl))) return { name: 'mongo', url: localMongoUrl, state: 'reused', pid, detail: name };
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
  const pid = startDaemon('ferretdb', binary, ['-listen', `${HOST}:${MONGO_PORT}`, '-data', data, ...ferretTuning()], STATE_DIR);
  await waitUntil(`FerretDB on ${localMongoUrl}`, () => pings(localMongoUrl), 30_000, logFile('ferretdb'));
  return { name: 'mongo', url: localMongoUrl, state: 'started', pid, detail: 'FerretDB v1 (SQLite, _id pushdown patches)' };
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
