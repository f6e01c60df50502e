import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/** Everything downloaded or built for local infra lives here, outside the repo, and is reused. */
export const CACHE_DIR = resolve(process.env.MEDLIVES_CACHE ?? join(homedir(), '.cache', 'medlives'));
export const REPO_DIR = resolve(__dirname, '..', '..');
export const INFRA_SRC = __dirname;
/**
 * Pid files, logs and data of the running servers. Separate from the download cache so a second,
 * isolated instance (other ports, other state) can reuse the same jars and binaries.
 */
export const STATE_DIR = resolve(process.env.MEDLIVES_STATE ?? join(CACHE_DIR, 'state'));
export const RUN_DIR = join(STATE_DIR, 'run');
export const BIN_DIR = join(CACHE_DIR, 'bin');

export const KAFKA_PORT = Number(process.env.MEDLIVES_KAFKA_PORT ?? 19092);
export const KAFKA_CONTROLLER_PORT = KAFKA_PORT + 1;
export const MONGO_PORT = Number(process.env.MEDLIVES_MONGO_PORT ?? 27018);
/** PostgreSQL for FerretDB's PostgreSQL backend: next to the Mongo port, so isolated instances differ. */
export const PG_PORT = Number(process.env.MEDLIVES_PG_PORT ?? MONGO_PORT + 414);
/** Loopback by address: advertising `localhost` can resolve to ::1 where nothing listens. */
export const HOST = '127.0.0.1';
