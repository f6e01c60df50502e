/**
 * Private FerretDB instances for suites that need one: the database-outage test stops and
 * restarts its own server, and the heavy suites run on an "indexed _id" build.
 *
 * Why a patched build: FerretDB v1.24's SQLite backend filters `_id` with the path
 * `_ferretdb_sjson->'$._id'` while its unique `_id` index is on `_ferretdb_sjson->"_id"`; SQLite
 * only uses an expression index for the identical expression, so every find/update/delete by
 * `_id` scans the whole table (an update costs ~50 ms at 10k documents). Inserts are unaffected.
 * The one-line patch below makes the two expressions identical (semantics unchanged) and turns
 * the 10k-order suite from ~45 min into ~1 min. The shared server from `npm run infra:up` is the
 * stock build; once scripts/infra applies the same patch this builder can go.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { pings } from '../../../../scripts/infra/mongo';
import { BIN_DIR, INFRA_SRC } from '../../../../scripts/infra/paths';
import { waitFor } from '@medlives/testkit';

const exec = promisify(execFile);
const FERRET_SRC = join(INFRA_SRC, 'ferretdb');
const ID_COLUMN = `IDColumn = DefaultColumn + "->'$._id'"`;
const ID_COLUMN_INDEXED = `IDColumn = DefaultColumn + "->\\"_id\\""`;

export interface FerretInstance {
  readonly url: string;
  readonly port: number;
  /** Stops the server (SIGTERM) and waits for it to exit; the data directory stays. */
  stop(): Promise<void>;
  /** Starts it again on the same port and data. */
  start(): Promise<void>;
  /** Stops it and removes its data. */
  destroy(): Promise<void>;
}

/** The stock binary `npm run infra:up` built (hash-named after its sources). */
export function stockBinary(): string {
  const hash = createHash('sha256');
  for (const file of ['go.mod', 'go.sum', 'main.go']) hash.update(readFileSync(join(FERRET_SRC, file)));
  const path = join(BIN_DIR, `ferretdb-${hash.digest('hex').slice(0, 12)}`);
  if (!existsSync(path)) throw new Error(`${path} missing: run npm run infra:up first`);
  return path;
}

/** Builds (once, cached by source hash) the FerretDB variant whose `_id` filter uses the `_id` index. */
export async function indexedIdBinary(): Promise<string> {
  const hash = createHash('sha256').update(ID_COLUMN_INDEXED);
  for (const file of ['go.mod', 'go.sum', 'main.go']) hash.update(readFileSync(join(FERRET_SRC, file)));
  const binary = join(BIN_DIR, `ferretdb-idindex-${hash.digest('hex').slice(0, 12)}`);
  if (existsSync(binary)) return binary;
  const version = /github\.com\/FerretDB\/FerretDB (v\S+)/.exec(readFileSync(join(FERRET_SRC, 'go.mod'), 'utf8'))?.[1];
  if (!version) throw new Error('cannot find the FerretDB version in scripts/infra/ferretdb/go.mod');
  const work = mkdtempSync(join(tmpdir(), 'ferretdb-idindex-'));
  try {
    const { stdout } = await exec('go', ['mod', 'download', '-json', `github.com/FerretDB/FerretDB@${version}`], { cwd: FERRET_SRC });
    const moduleDir = (JSON.parse(stdout) as { Dir: string }).Dir;
    const module = join(work, 'FerretDB');
    cpSync(moduleDir, module, { recursive: true });
    makeWritable(module);
    const metadata = join(module, 'internal/backends/sqlite/metadata/metadata.go');
    const source = readFileSync(metadata, 'utf8');
    if (!source.includes(ID_COLUMN)) throw new Error(`FerretDB ${version} changed ${metadata}; revisit the patch`);
    writeFileSync(metadata, source.replace(ID_COLUMN, ID_COLUMN_INDEXED));
    const cmd = join(work, 'cmd');
    mkdirSync(cmd);
    for (const file of ['go.sum', 'main.go']) cpSync(join(FERRET_SRC, file), join(cmd, file));
    writeFileSync(join(cmd, 'go.mod'), `${readFileSync(join(FERRET_SRC, 'go.mod'), 'utf8')}\nreplace github.com/FerretDB/FerretDB => ../FerretDB\n`);
    mkdirSync(BIN_DIR, { recursive: true });
    const partial = `${binary}.${process.pid}.partial`;
    await exec('go', ['build', '-mod=mod', '-trimpath', '-ldflags=-s -w', '-o', partial, '.'], {
      cwd: cmd,
      env: { ...process.env, CGO_ENABLED: '0' },
      maxBuffer: 16 * 1024 * 1024,
    });
    renameSync(partial, binary); // atomic: parallel test files may build at the same time
    return binary;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function makeWritable(dir: string): void {
  chmodSync(dir, 0o755);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) makeWritable(path);
    else chmodSync(path, 0o644);
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Starts a FerretDB of our own on a free port with a fresh data directory. */
export async function startFerret(options: { indexedIds?: boolean } = {}): Promise<FerretInstance> {
  const binary = options.indexedIds ? await indexedIdBinary() : stockBinary();
  const port = await freePort();
  const data = mkdtempSync(join(tmpdir(), 'medlives-ferret-'));
  const url = `mongodb://127.0.0.1:${port}/medlives`;
  let child: ChildProcess | undefined;
  const instance: FerretInstance = {
    url,
    port,
    async start() {
      if (child) return;
      child = spawn(binary, ['-listen', `127.0.0.1:${port}`, '-data', data], { stdio: 'ignore' });
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
    },
  };
  await instance.start();
  return instance;
}

/** A database URL on the given server (fresh name per suite). */
export function databaseUrl(server: FerretInstance, name: string): string {
  return server.url.replace(/\/medlives$/, `/${name.replace(/[^a-zA-Z0-9_]/g, '_')}`);
}
