/**
 * Builds the local FerretDB (v1, SQLite backend) from the Go module proxy, with two patches that
 * change no result, only which rows SQLite reads.
 *
 * 1. Indexed `_id`: FerretDB v1.24's SQLite backend filters `_id` with the path
 *    `_ferretdb_sjson->'$._id'` while its unique `_id` index is on `_ferretdb_sjson->"_id"`;
 *    SQLite only uses an expression index for the identical expression, so every find/update/delete
 *    by `_id` scanned the whole table (an update cost ~50 ms at 10k documents). The patch makes the
 *    two expressions identical (same semantics) and turned the 10k-order suite from ~45 min into
 *    ~1 min.
 * 2. `_id` plus other fields: the backend pushes `_id` down only when it is the filter's one key,
 *    so `{_id, attempts: 3}` (a guarded update) scanned the table. The handler applies the whole
 *    filter again to what the backend returns (`common.FilterIterator` in every find / update /
 *    delete / findAndModify), so narrowing the SQL to the `_id` row first returns the same
 *    documents. Measured at 1,000 documents: 103 ms → 21 ms per guarded update under load.
 *
 * The shared server of `infra:up` and every private test server run this one build.
 */
import { createHash } from 'node:crypto';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN_DIR, INFRA_SRC } from './paths';
import { requireTool, run } from './proc';

const FERRET_SRC = join(INFRA_SRC, 'ferretdb');
interface Patch {
  readonly file: string;
  readonly from: string;
  readonly to: string;
  /** How many times `from` occurs in the file (all are replaced). */
  readonly count: number;
}

const PATCHES: readonly Patch[] = [
  { file: 'internal/backends/sqlite/metadata/metadata.go', from: `IDColumn = DefaultColumn + "->'$._id'"`, to: `IDColumn = DefaultColumn + "->\\"_id\\""`, count: 1 },
  // Query and Explain: the `_id` lookup below the condition already checks that `_id` is present
  // and a plain string / ObjectID, so only the "one key" requirement is dropped.
  { file: 'internal/backends/sqlite/collection.go', from: 'if params.Filter.Len() == 1 {', to: 'if params.Filter.Len() >= 1 {', count: 2 },
];

/** The binary is named after a hash of its sources and the patch: editing either rebuilds it. */
export function ferretBinary(): string {
  const hash = createHash('sha256').update(JSON.stringify(PATCHES));
  for (const file of ['go.mod', 'go.sum', 'main.go']) hash.update(readFileSync(join(FERRET_SRC, file)));
  return join(BIN_DIR, `ferretdb-${hash.digest('hex').slice(0, 12)}`);
}

/** Returns the cached binary, building it first when missing. */
export async function ensureFerretBinary(log: (s: string) => void = () => undefined): Promise<string> {
  const binary = ferretBinary();
  if (existsSync(binary)) return binary;
  await requireTool('go', ['version'], 'install Go 1.22+ (https://go.dev/dl or Debian golang) to build FerretDB, or set MONGO_URL');
  log(`building FerretDB (SQLite backend, _id pushdown patches) into ${binary}`);
  const version = /github\.com\/FerretDB\/FerretDB (v\S+)/.exec(readFileSync(join(FERRET_SRC, 'go.mod'), 'utf8'))?.[1];
  if (!version) throw new Error('cannot find the FerretDB version in scripts/infra/ferretdb/go.mod');
  const work = mkdtempSync(join(tmpdir(), 'ferretdb-build-'));
  try {
    const { stdout } = await run('go', ['mod', 'download', '-json', `github.com/FerretDB/FerretDB@${version}`], { cwd: FERRET_SRC });
    const module = join(work, 'FerretDB');
    cpSync((JSON.parse(stdout) as { Dir: string }).Dir, module, { recursive: true });
    makeWritable(module);
    for (const patch of PATCHES) {
      const target = join(module, patch.file);
      const source = readFileSync(target, 'utf8');
      const found = source.split(patch.from).length - 1;
      if (found !== patch.count) throw new Error(`FerretDB ${version} changed ${patch.file} (${found} × "${patch.from}", expected ${patch.count}); revisit the patch`);
      writeFileSync(target, source.split(patch.from).join(patch.to));
    }
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
