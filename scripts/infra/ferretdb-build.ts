/**
 * Builds the local FerretDB (v1, SQLite backend) from the Go module proxy, with one patch.
 *
 * Why the patch: FerretDB v1.24's SQLite backend filters `_id` with the path
 * `_ferretdb_sjson->'$._id'` while its unique `_id` index is on `_ferretdb_sjson->"_id"`; SQLite
 * only uses an expression index for the identical expression, so every find/update/delete by
 * `_id` scans the whole table (an update costs ~50 ms at 10k documents). Inserts are unaffected.
 * The one-line patch makes the two expressions identical (same semantics) and turns the 10k-order
 * suite from ~45 min into ~1 min. The shared server of `infra:up` and every private test server
 * run this one build.
 */
import { createHash } from 'node:crypto';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN_DIR, INFRA_SRC } from './paths';
import { requireTool, run } from './proc';

const FERRET_SRC = join(INFRA_SRC, 'ferretdb');
const PATCH_FILE = 'internal/backends/sqlite/metadata/metadata.go';
const ID_COLUMN = `IDColumn = DefaultColumn + "->'$._id'"`;
const ID_COLUMN_INDEXED = `IDColumn = DefaultColumn + "->\\"_id\\""`;

/** The binary is named after a hash of its sources and the patch: editing either rebuilds it. */
export function ferretBinary(): string {
  const hash = createHash('sha256').update(ID_COLUMN_INDEXED);
  for (const file of ['go.mod', 'go.sum', 'main.go']) hash.update(readFileSync(join(FERRET_SRC, file)));
  return join(BIN_DIR, `ferretdb-${hash.digest('hex').slice(0, 12)}`);
}

/** Returns the cached binary, building it first when missing. */
export async function ensureFerretBinary(log: (s: string) => void = () => undefined): Promise<string> {
  const binary = ferretBinary();
  if (existsSync(binary)) return binary;
  await requireTool('go', ['version'], 'install Go 1.22+ (https://go.dev/dl or Debian golang) to build FerretDB, or set MONGO_URL');
  log(`building FerretDB (SQLite backend, indexed _id) into ${binary}`);
  const version = /github\.com\/FerretDB\/FerretDB (v\S+)/.exec(readFileSync(join(FERRET_SRC, 'go.mod'), 'utf8'))?.[1];
  if (!version) throw new Error('cannot find the FerretDB version in scripts/infra/ferretdb/go.mod');
  const work = mkdtempSync(join(tmpdir(), 'ferretdb-build-'));
  try {
    const { stdout } = await run('go', ['mod', 'download', '-json', `github.com/FerretDB/FerretDB@${version}`], { cwd: FERRET_SRC });
    const module = join(work, 'FerretDB');
    cpSync((JSON.parse(stdout) as { Dir: string }).Dir, module, { recursive: true });
    makeWritable(module);
    const target = join(module, PATCH_FILE);
    const source = readFileSync(target, 'utf8');
    if (!source.includes(ID_COLUMN)) throw new Error(`FerretDB ${version} changed ${PATCH_FILE}; revisit the _id patch`);
    writeFileSync(target, source.replace(ID_COLUMN, ID_COLUMN_INDEXED));
    const cmd = join(work, 'cmd');
    mkdirSync(cmd);
    for (const file of ['go.sum', 'main.go']) cpSync(join(FERRET_SRC, file), join(cmd, file));
    writeFileSync(join(cmd, 'go.mod'), `${readFileSync(join(FERRET_SRC, 'go.mod'), 'utf8')}\nreplace github.com/FerretDB/FerretDB => ../FerretDB\n`);
    mkdirSync(BIN_DIR, { recursive: true });
    const partial = `${binary}.${process.pid}.partial`;
    await run('go', ['build', '-mod=mod', '-trimpath', '-ldflags=-s -w', '-o', partial, '.'], { cwd: cmd, env: { ...process.env, CGO_ENABLED: '0' } });
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
