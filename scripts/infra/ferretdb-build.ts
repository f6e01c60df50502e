/**
 * Builds the local FerretDB (v1.24, SQLite or PostgreSQL backend, chosen at start: see
 * scripts/infra/ferretdb/main.go and `MEDLIVES_FERRET_BACKEND`) from the Go module proxy, with
 * patches that change no result, only which rows the backend reads.
 *
 * 1. Indexed `_id` (SQLite): FerretDB v1.24's SQLite backend filters `_id` with the path
 *    `_ferretdb_sjson->'$._id'` while its unique `_id` index is on `_ferretdb_sjson->"_id"`;
 *    SQLite only uses an expression index for the identical expression, so every find/update/delete
 *    by `_id` scanned the whole table (an update cost ~50 ms at 10k documents). The patch makes the
 *    two expressions identical (same semantics) and turned the 10k-order suite from ~45 min into
 *    ~1 min.
 * 2. `_id` plus other fields (SQLite): the backend pushes `_id` down only when it is the filter's
 *    one key, so `{_id, attempts: 3}` (a guarded update) scanned the table. The handler applies the
 *    whole filter again to what the backend returns (`common.FilterIterator` in every find /
 *    update / delete / findAndModify), so narrowing the SQL to the `_id` row first returns the
 *    same documents. Measured at 1,000 documents: 103 ms → 21 ms per guarded update under load.
 * 3. `_id: {$in: [...]}` (SQLite): not pushed down at all by stock FerretDB, so a batched lookup
 *    decoded the whole collection. `ferretdb/patches/sqlite/medlives_id.go` turns a string/ObjectID
 *    `_id` or an `$in` of them into `WHERE <indexed _id> IN (...)` (a superset; the handler
 *    re-filters, as in 2).
 * 4. Indexed `_id` and `$in` (PostgreSQL): stock filters `_id` as `_jsonb->$1 @> $2`, which the
 *    `_id` index (on `_jsonb->'_id'`) cannot serve, so every by-id read scanned the table.
 *    `ferretdb/patches/postgresql/medlives_id.go` filters a string/ObjectID `_id` (or an `$in` of
 *    them) with `_jsonb->'_id' = $n` / `IN (...)`: `_id` is never an array, so `=` selects what
 *    `@>` did, and the handler re-filters.
 * 5. `buildInfo` reports `ferretdbFeatures.medlivesIdInPushdown: true`, so the writers
 *    (packages/mongo dialect) use one `_id: {$in}` read per batch only on a build that serves it
 *    from the index, and fall back to parallel point reads on a stock FerretDB; and
 *    `medlivesBulkUpdate: true` (patches 6 and 8), so they send a batch's replaces in one command
 *    instead of 40 per command.
 *
 * 6. No pool deadlock under concurrent bulk updates: stock `update` keeps every statement's query
 *    open until the whole command returns (`defer closer.Close()` inside its per-statement loop),
 *    each holding one of the database's 100 pooled connections, while each statement's write needs
 *    another. Three order-persistence instances sending 40 updates each at once exhausted the pool
 *    and every command waited forever (goroutine dump: 100 open `Rows`, writers blocked in
 *    `DB.conn`). The patch closes each statement's iterator as soon as the statement is done
 *    (`scripts/infra/test/ferretdb-pool.int.test.ts` hung on the old build).
 * 7. No debug formatting when debug logging is off: `internal/util/fsql` logged each statement
 *    with `l.With(args...).DebugContext(...)`, and slog's default handler formats the attributes
 *    given to `With` at once, so every write quoted its whole JSON document into a string that the
 *    disabled debug level then dropped: 11.8% of the server's CPU in a 20 s Go profile of the
 *    persistence drain. `ferretdb/patches/fsql/medlives_debug.go` checks the level first.
 * 8. One transaction per `update` command: stock wrote each statement's document in a transaction
 *    of its own. `ferretdb/patches/handler/medlives_deferred.go` collects them and commits them
 *    together when the command ends; a statement whose filter is not a plain `_id` that none of
 *    the collected writes has (and an upsert's insert) commits them first, so every statement
 *    reads what the earlier ones wrote.
 * 9. Replace by `_id` without a read: a statement replacing one document found by a plain `_id`
 *    (no operators, upsert or multi) is written with `UPDATE ... WHERE _id = ?` directly; the rows
 *    changed are its matched and modified counts. Reading and decoding the stored order before
 *    each replace was ~25% of the server's CPU in the drain. Visible difference from MongoDB: a
 *    replacement identical to the stored document counts as modified (MongoDB: nModified 0).
 * 10. SQLite `UpdateAll` encodes every document before opening its transaction, so the database's
 *    single write lock is held only while SQLite writes.
 * (An 11th patch, write transactions taking turns in Go instead of in SQLite's busy handler, was
 * tried and removed: a writer holding the turn could wait for a pooled connection held by an
 * open query of a command waiting for the turn. The short chaos suite caught it in CI: inventory
 * stopped after the database outage, with FerretDB answering "context canceled" at the wait.)
 *
 * The shared server of `infra:up` and every private test server (packages/testkit startFerret)
 * run this one build.
 */
import { createHash } from 'node:crypto';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN_DIR, INFRA_SRC } from './paths';
import { requireTool, run } from './proc';

const FERRET_SRC = join(INFRA_SRC, 'ferretdb');
/** Replace `from` (found exactly `count` times) by `to`, or add a new source file. */
type Patch =
  | { readonly file: string; readonly from: string; readonly to: string; readonly count: number }
  | { readonly file: string; readonly create: string };

const source = (name: string) => readFileSync(join(FERRET_SRC, 'patches', name), 'utf8');

const PATCHES: readonly Patch[] = [
  // 1
  { file: 'internal/backends/sqlite/metadata/metadata.go', from: `IDColumn = DefaultColumn + "->'$._id'"`, to: `IDColumn = DefaultColumn + "->\\"_id\\""`, count: 1 },
  // 2. Query and Explain: the `_id` lookup below the condition already checks that `_id` is present
  // and a plain string / ObjectID, so only the "one key" requirement is dropped.
  { file: 'internal/backends/sqlite/collection.go', from: 'if params.Filter.Len() == 1 {', to: 'if params.Filter.Len() >= 1 {', count: 2 },
  // 3
  { file: 'internal/backends/sqlite/medlives_id.go', create: source('sqlite/medlives_id.go') },
  {
    file: 'internal/backends/sqlite/collection.go',
    from: '\tq += whereClause\n',
    to: '\tif w, a := medlivesIDWhere(params.Filter); w != "" {\n\t\twhereClause, args = w, a\n\t}\n\n\tq += whereClause\n',
    count: 1,
  },
  {
    file: 'internal/backends/sqlite/collection.go',
    from: '\torderByClause := prepareOrderByClause(params.Sort)\n',
    to: '\tif w, a := medlivesIDWhere(params.Filter); w != "" {\n\t\tfilterPushdown, whereClause, args = true, w, a\n\t}\n\n\torderByClause := prepareOrderByClause(params.Sort)\n',
    count: 1,
  },
  // 4
  { file: 'internal/backends/postgresql/medlives_id.go', create: source('postgresql/medlives_id.go') },
  {
    file: 'internal/backends/postgresql/query.go',
    from: '\t\tif strings.HasPrefix(rootKey, "$") {\n\t\t\tcontinue\n\t\t}\n',
    to:
      '\t\tif strings.HasPrefix(rootKey, "$") {\n\t\t\tcontinue\n\t\t}\n\n' +
      '\t\tif rootKey == "_id" {\n\t\t\tif f, a := medlivesIDFilter(p, rootVal); f != "" {\n' +
      '\t\t\t\tfilters = append(filters, f)\n\t\t\t\targs = append(args, a...)\n\n\t\t\t\tcontinue\n\t\t\t}\n\t\t}\n',
    count: 1,
  },
  // 6. Each update statement's query (and its pooled connection) is released when the statement
  // is done, not when the whole command returns.
  { file: 'internal/handler/msg_update.go', from: '\t\tcloser := iterator.NewMultiCloser()\n\t\tdefer closer.Close()\n', to: '\t\tcloser := iterator.NewMultiCloser()\n', count: 1 },
  {
    file: 'internal/handler/msg_update.go',
    from: '\t\tresult, err := common.UpdateDocument(ctx, c, "update", iter, &u)\n',
    to: '\t\tresult, err := common.UpdateDocument(ctx, c, "update", iter, &u)\n\t\tcloser.Close()\n',
    count: 1,
  },
  // 7. fsql formatted every statement's arguments (whole JSON documents) for a debug line that is
  // off: formatted only when debug logging is on.
  { file: 'internal/util/fsql/medlives_debug.go', create: source('fsql/medlives_debug.go') },
  { file: 'internal/util/fsql/db.go', from: 'db.l.With(fields...).DebugContext(ctx, ', to: 'medlivesDebug(ctx, db.l, fields, ', count: 6 },
  { file: 'internal/util/fsql/tx.go', from: 'tx.l.With(fields...).DebugContext(ctx, ', to: 'medlivesDebug(ctx, tx.l, fields, ', count: 6 },
  // 8. An update command's writes are committed in one transaction at its end, not one each.
  { file: 'internal/handler/medlives_deferred.go', create: source('handler/medlives_deferred.go') },
  { file: 'internal/handler/msg_update.go', from: '\tfor _, u := range params.Updates {\n', to: '\tvar deferred *medlivesDeferredUpdates\n\n\tfor _, u := range params.Updates {\n', count: 1 },
  {
    file: 'internal/handler/msg_update.go',
    from: '\t\tvar qp backends.QueryParams\n',
    to: '\t\tif deferred == nil {\n\t\t\tdeferred = medlivesDefer(c)\n\t\t}\n\n\t\tif deferred.replaceByID(&u) {\n\t\t\tcontinue\n\t\t}\n\n\t\tif err = deferred.beforeQuery(ctx, u.Filter); err != nil {\n\t\t\treturn 0, 0, nil, lazyerrors.Error(err)\n\t\t}\n\n\t\tvar qp backends.QueryParams\n',
    count: 1,
  },
  { file: 'internal/handler/msg_update.go', from: 'common.UpdateDocument(ctx, c, "update", iter, &u)', to: 'common.UpdateDocument(ctx, deferred, "update", iter, &u)', count: 1 },
  {
    file: 'internal/handler/msg_update.go',
    from: '\t\tcloser.Close()\n\t\tif err != nil {\n\t\t\treturn 0, 0, nil, lazyerrors.Error(err)\n',
    to: '\t\tcloser.Close()\n\t\tif err != nil {\n\t\t\t_ = deferred.flush(ctx) // what the earlier statements wrote stays written\n\n\t\t\treturn 0, 0, nil, lazyerrors.Error(err)\n',
    count: 1,
  },
  {
    file: 'internal/handler/msg_update.go',
    from: '\treturn matched, modified, &upserted, nil\n',
    to: '\tif deferred != nil {\n\t\tif err := deferred.flush(ctx); err != nil {\n\t\t\treturn 0, 0, nil, lazyerrors.Error(err)\n\t\t}\n\n\t\tmatched += deferred.fastMatched\n\t\tmodified += deferred.fastMatched\n\t}\n\n\treturn matched, modified, &upserted, nil\n',
    count: 1,
  },
  // 10. SQLite's UpdateAll encodes the documents before its transaction, not while holding the write lock.
  {
    file: 'internal/backends/sqlite/collection.go',
    from:
      '\terr := db.InTransaction(ctx, func(tx *fsql.Tx) error {\n\t\tfor _, doc := range params.Docs {\n\t\t\tb, err := sjson.Marshal(doc)\n\t\t\tif err != nil {\n\t\t\t\treturn lazyerrors.Error(err)\n\t\t\t}\n\n' +
      '\t\t\tid, _ := doc.Get("_id")\n\t\t\tmust.NotBeZero(id)\n\n\t\t\targ := string(must.NotFail(sjson.MarshalSingleValue(id)))\n\n\t\t\tr, err := tx.ExecContext(ctx, q, string(b), arg)\n',
    to:
      '\ttype medlivesRow struct{ doc, id string }\n\n\trows := make([]medlivesRow, 0, len(params.Docs))\n\n\tfor _, doc := range params.Docs {\n\t\tb, err := sjson.Marshal(doc)\n\t\tif err != nil {\n\t\t\treturn nil, lazyerrors.Error(err)\n\t\t}\n\n' +
      '\t\tid, _ := doc.Get("_id")\n\t\tmust.NotBeZero(id)\n\n\t\trows = append(rows, medlivesRow{string(b), string(must.NotFail(sjson.MarshalSingleValue(id)))})\n\t}\n\n' +
      '\terr := db.InTransaction(ctx, func(tx *fsql.Tx) error {\n\t\tfor _, row := range rows {\n\t\t\tr, err := tx.ExecContext(ctx, q, row.doc, row.id)\n',
    count: 1,
  },
  // 5
  {
    file: 'internal/handler/msg_buildinfo.go',
    from: '"aggregationStages", aggregationStages,',
    to: '"aggregationStages", aggregationStages,\n\t\t\t\t"medlivesIdInPushdown", true,\n\t\t\t\t"medlivesBulkUpdate", true,',
    count: 1,
  },
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
  log(`building FerretDB (SQLite and PostgreSQL backends, _id pushdown patches) into ${binary}`);
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
      if ('create' in patch) {
        if (existsSync(target)) throw new Error(`FerretDB ${version} already has ${patch.file}; revisit the patch`);
        writeFileSync(target, patch.create);
        continue;
      }
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
