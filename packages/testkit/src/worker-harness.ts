import mongoose, { type Connection } from 'mongoose';
import pino, { type Logger } from 'pino';
import { type IsolatedTopology, isolatedTopology, randomMongoUrl, requireEnv } from './index';

interface Startable {
  start(): Promise<void>;
  stop(reason?: string): Promise<void>;
}

export interface WorkerHarness<C, A extends Startable> {
  readonly topo: IsolatedTopology;
  readonly mongoUrl: string;
  readonly conn: Connection;
  /** Environment for an app instance (in-process or child). */
  env(overrides?: Record<string, string>): Record<string, string>;
  config(overrides?: Record<string, string>): C;
  startApp(overrides?: Record<string, string>): Promise<A>;
  cleanup(): Promise<void>;
}

export interface WorkerHarnessOptions<C, A extends Startable> {
  readonly label: string;
  /** The app's name in logs. */
  readonly app: string;
  /** Parses the environment the way main.ts does. */
  readonly parse: (env: Record<string, string>) => C;
  readonly create: (config: C, deps: { logger: Logger }) => A;
  /** @default a fresh random database on the test server */
  readonly mongoUrl?: string;
  /** The app's own settings for every instance (overrides may still change them). */
  readonly env?: Record<string, string>;
}

/**
 * Random topics, group prefix and database for one test file, and a consumer worker started
 * in-process against them; apps started through it are stopped on cleanup.
 */
export async function workerHarness<C extends { LOG_LEVEL: string }, A extends Startable>(options: WorkerHarnessOptions<C, A>): Promise<WorkerHarness<C, A>> {
  const topo = await isolatedTopology(options.label);
  const mongoUrl = options.mongoUrl ?? randomMongoUrl(options.label).url;
  const conn = await mongoose.createConnection(mongoUrl, { serverSelectionTimeoutMS: 5_000 }).asPromise();
  const apps: A[] = [];
  const env = (overrides: Record<string, string> = {}) => ({
    KAFKA_BROKERS: requireEnv('KAFKA_BROKERS'),
    MONGO_URL: mongoUrl,
    TOPIC_PREFIX: topo.prefix,
    PORT: '0',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'error',
    LAG_INTERVAL_MS: '500',
    KAFKA_SESSION_TIMEOUT_MS: '10000',
    KAFKA_REBALANCE_TIMEOUT_MS: '15000',
    MONGO_SERVER_SELECTION_TIMEOUT_MS: '3000',
    SHUTDOWN_TIMEOUT_MS: '15000',
    ...options.env,
    ...overrides,
  });
  const config = (overrides?: Record<string, string>) => options.parse(env(overrides));
  return {
    topo,
    mongoUrl,
    conn,
    env,
    config,
    async startApp(overrides) {
      const c = config(overrides);
      const app = options.create(c, { logger: pino({ level: c.LOG_LEVEL, base: { app: options.app, test: options.label } }) });
      apps.push(app);
      await app.start();
      return app;
    },
    async cleanup() {
      await Promise.all(apps.map((a) => a.stop('test cleanup').catch(() => undefined)));
      await conn.dropDatabase().catch(() => undefined);
      await conn.close().catch(() => undefined);
      await topo.cleanup();
    },
  };
}
