import type { Connection } from 'mongoose';
import { type MongoServerInfo, detectMongoServer } from './server';

/**
 * What the MongoDB-wire server behind the connection can do. Production runs MongoDB >= 6;
 * local tests run FerretDB v1 (SQLite), which differs in ways the writer must respect.
 */
export interface StoreDialect {
  readonly name: 'mongodb' | 'ferretdb';
  /**
   * A replace filtered on `{_id, rev}` is atomic, so concurrent writers of one order are safe
   * (optimistic concurrency). FerretDB v1 runs the filter and the write in separate SQLite
   * transactions, so it needs a single writer per order instead (key-affinity assignment).
   */
  readonly atomicConditionalWrites: boolean;
  /**
   * Stock FerretDB v1 keeps one pooled SQLite connection per update statement that matched a
   * document until the whole command ends; its pool has 100, so 100 matched updates in one
   * command (or in concurrent commands) deadlock, and each statement is a transaction of its own.
   * The MedLives build (patches 6 and 8, reported in `buildInfo`) has neither problem and takes a
   * whole batch in one command, as MongoDB does.
   */
  readonly maxUpdatesPerCommand: number;
  /**
   * MongoDB serves `{_id: {$in: [...]}}` from the _id index, and so does the MedLives FerretDB
   * build (its `_id: {$in}` pushdown patch, detected from `buildInfo`): one read per batch.
   * Stock FerretDB v1 pushes only a plain `{_id: <value>}` filter down and decodes the whole
   * collection for anything else, so point reads in parallel are far cheaper there.
   */
  readonly batchedIdLookup: boolean;
  /**
   * FerretDB v1 (SQLite) plans no query on a secondary index (only `_id` is pushed down), yet
   * keeps them up to date on every write, parsing the JSON document once per index: there they
   * are pure write cost, so the writer does not create them.
   */
  readonly secondaryIndexes: boolean;
  /**
   * MongoDB's `$group` has every accumulator and computes any number of them in one stage.
   * FerretDB v1 has only `$sum`/`$count`, and with two or more accumulators in one `$group` only
   * the first is computed (the others come back 0): readers run one `$group` per sum there.
   */
  readonly fullGroupAccumulators: boolean;
}

export const MONGODB: StoreDialect = Object.freeze({ name: 'mongodb', atomicConditionalWrites: true, maxUpdatesPerCommand: Infinity, batchedIdLookup: true, secondaryIndexes: true, fullGroupAccumulators: true });
export const FERRETDB: StoreDialect = Object.freeze({ name: 'ferretdb', atomicConditionalWrites: false, maxUpdatesPerCommand: 40, batchedIdLookup: false, secondaryIndexes: false, fullGroupAccumulators: false });
/** An earlier MedLives FerretDB build: as FERRETDB, but `_id: {$in}` is pushed down to the index. */
export const FERRETDB_ID_IN: StoreDialect = Object.freeze({ ...FERRETDB, batchedIdLookup: true });
/** The MedLives FerretDB build of today: also one transaction per update command, no pool limit. */
export const FERRETDB_MEDLIVES: StoreDialect = Object.freeze({ ...FERRETDB_ID_IN, maxUpdatesPerCommand: 1_000 });

/** The writer's strategy for the server @medlives/runtime detected. */
export function dialectFor(server: Pick<MongoServerInfo, 'kind'> & Partial<Pick<MongoServerInfo, 'idInPushdown' | 'bulkUpdates'>>): StoreDialect {
  if (server.kind !== 'ferretdb') return MONGODB;
  if (!server.idInPushdown) return FERRETDB;
  return server.bulkUpdates ? FERRETDB_MEDLIVES : FERRETDB_ID_IN;
}

export async function detectDialect(conn: Connection): Promise<StoreDialect> {
  return dialectFor(await detectMongoServer(conn));
}
