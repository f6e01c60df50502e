import mongoose, { type Connection } from 'mongoose';
import { z } from 'zod';
import { MongoEnv, mongoDatabaseName } from '@medlives/runtime';
import { type StoreDialect, dialectFor } from './dialect';
import { type MongoServerInfo, detectMongoServer } from './server';

export interface MongoHandle {
  readonly conn: Connection;
  /** What the server can do (MongoDB or FerretDB), detected once at connect. */
  readonly server: MongoServerInfo;
  /** The writers' strategy for that server. */
  readonly dialect: StoreDialect;
  close(): Promise<void>;
}

export interface ConnectMongoOptions {
  /** How long a call waits for a server before it counts as "database down". @default 5000 */
  readonly serverSelectionTimeoutMS?: number;
}

/**
 * Opens the app's connection the way every app wants it: the database named in the URL,
 * no command buffering (a down database fails fast and the caller decides to retry), indexes
 * created explicitly by each store rather than by mongoose at model compile time.
 */
export async function connectMongo(url: string, options: ConnectMongoOptions = {}): Promise<MongoHandle> {
  const conn = mongoose.createConnection(url, {
    dbName: mongoDatabaseName(url),
    serverSelectionTimeoutMS: options.serverSelectionTimeoutMS ?? 5_000,
    bufferCommands: false,
    autoIndex: false,
    autoCreate: false,
  });
  try {
    await conn.asPromise();
    const server = await detectMongoServer(conn);
    return { conn, server, dialect: dialectFor(server), close: () => conn.close() };
  } catch (error) {
    await conn.close().catch(() => undefined);
    throw error;
  }
}

/** MongoDB settings of an app that has a database (not every consumer does). */
export const MongoAppEnv = z.object({
  ...MongoEnv.shape,
  /** How long a MongoDB call waits for a server before it counts as "database down". */
  MONGO_SERVER_SELECTION_TIMEOUT_MS: z.coerce.number().int().positive().default(5_000),
});
export type MongoAppConfig = z.output<typeof MongoAppEnv>;

/** connectMongo with an app's parsed settings. */
export function connectMongoFrom(config: MongoAppConfig): Promise<MongoHandle> {
  return connectMongo(config.MONGO_URL, { serverSelectionTimeoutMS: config.MONGO_SERVER_SELECTION_TIMEOUT_MS });
}
