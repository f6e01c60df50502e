import type { Connection } from 'mongoose';

/**
 * What the MongoDB-wire server behind a connection can be trusted with. Real MongoDB does
 * single-document updates atomically and has TTL indexes; FerretDB v1 (SQLite backend, used
 * locally and in tests) has neither — its findAndModify was seen to lose concurrent updates —
 * so callers pick a fallback from these flags instead of assuming.
 */
export interface MongoServerInfo {
  kind: 'mongodb' | 'ferretdb';
  version: string;
  atomicDocumentUpdates: boolean;
  ttlIndexes: boolean;
  transactions: boolean;
  /**
   * `{_id: {$in: [...]}}` is served from the `_id` index. Always on MongoDB; on FerretDB only on
   * the MedLives build (scripts/infra/ferretdb-build.ts), which reports it in `buildInfo`.
   */
  idInPushdown: boolean;
  /**
   * An `update` command of many statements costs one transaction and holds no pooled connection
   * per statement, so it needs no cap. MongoDB; on FerretDB the MedLives build (patches 6 and 8).
   */
  bulkUpdates: boolean;
}

export async function detectMongoServer(connection: Connection): Promise<MongoServerInfo> {
  const info = (await connection.db!.admin().command({ buildInfo: 1 })) as {
    version?: string;
    ferretdbVersion?: string;
    ferretdbFeatures?: { medlivesIdInPushdown?: boolean; medlivesBulkUpdate?: boolean };
  };
  if (info.ferretdbVersion) {
    const idInPushdown = info.ferretdbFeatures?.medlivesIdInPushdown === true;
    const bulkUpdates = info.ferretdbFeatures?.medlivesBulkUpdate === true;
    return { kind: 'ferretdb', version: info.ferretdbVersion, atomicDocumentUpdates: false, ttlIndexes: false, transactions: false, idInPushdown, bulkUpdates };
  }
  const hello = (await connection.db!.admin().command({ hello: 1 })) as { setName?: string; msg?: string };
  return {
    kind: 'mongodb',
    version: info.version ?? 'unknown',
    atomicDocumentUpdates: true,
    ttlIndexes: true,
    // Transactions need a replica set or a mongos.
    transactions: hello.setName !== undefined || hello.msg === 'isdbgrid',
    idInPushdown: true,
    bulkUpdates: true,
  };
}
