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
}

export async function detectMongoServer(connection: Connection): Promise<MongoServerInfo> {
  const info = (await connection.db!.admin().command({ buildInfo: 1 })) as { version?: string; ferretdbVersion?: string };
  if (info.ferretdbVersion) {
    return { kind: 'ferretdb', version: info.ferretdbVersion, atomicDocumentUpdates: false, ttlIndexes: false, transactions: false };
  }
  const hello = (await connection.db!.admin().command({ hello: 1 })) as { setName?: string; msg?: string };
  return {
    kind: 'mongodb',
    version: info.version ?? 'unknown',
    atomicDocumentUpdates: true,
    ttlIndexes: true,
    // Transactions need a replica set or a mongos.
    transactions: hello.setName !== undefined || hello.msg === 'isdbgrid',
  };
}
