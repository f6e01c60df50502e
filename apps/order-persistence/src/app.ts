import mongoose, { type Connection } from 'mongoose';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import {
  type ConsumerRuntime,
  type WorkerServer,
  createConsumerRuntime,
  createWorkerServer,
  decodeEnvelope,
  keyAffinityAssigner,
} from '@medlives/consumer';
import { createKafka } from '@medlives/kafka';
import { createOrdersSink, detectDialect, ensureOrderIndexes } from '@medlives/orders';
import { createLogger, createRegistry, kafkaConnection, mongoDatabaseName } from '@medlives/runtime';
import { CONSUMER_GROUPS } from '@medlives/topology';
import type { OrderPersistenceConfig } from './config';

export interface AppDeps {
  readonly logger?: Logger;
  readonly registry?: Registry;
  /** KafkaJS gave up on the consumer; main.ts exits non-zero so Kubernetes restarts the pod. */
  readonly onFatal?: (error: Error) => void;
}

export interface App {
  start(): Promise<void>;
  stop(reason?: string): Promise<void>;
  /** The bound HTTP port (after start). */
  readonly port: number;
  readonly registry: Registry;
  /** The consumer (after start), for tests and diagnostics. */
  readonly consumer: ConsumerRuntime | undefined;
}

const GROUP = CONSUMER_GROUPS.orderPersistence;

/** The order-persistence worker: order-events + status-updates → MongoDB `orders`, in bulk. */
export function createApp(config: OrderPersistenceConfig, deps: AppDeps = {}): App {
  const logger = deps.logger ?? createLogger(GROUP.app, config.LOG_LEVEL);
  const registry = deps.registry ?? createRegistry(GROUP.app);
  let conn: Connection | undefined;
  let runtime: ConsumerRuntime | undefined;
  let server: WorkerServer | undefined;
  let port = 0;
  let stopping = false;
  let started: Promise<void> | undefined;
  let stopped: Promise<void> | undefined;

  async function boot(): Promise<void> {
    conn = mongoose.createConnection(config.MONGO_URL, {
      dbName: mongoDatabaseName(config.MONGO_URL),
      serverSelectionTimeoutMS: config.MONGO_SERVER_SELECTION_TIMEOUT_MS,
      bufferCommands: false,
      autoIndex: false,
      autoCreate: false,
    });
    await conn.asPromise();
    const dialect = await detectDialect(conn);
    await ensureOrderIndexes(conn, dialect);
    runtime = createConsumerRuntime({
      kafka: createKafka(kafkaConnection(config, GROUP.app)),
      group: GROUP,
      prefix: config.TOPIC_PREFIX,
      sink: createOrdersSink({ conn, dialect, registry, logger }),
      decode: decodeEnvelope,
      registry,
      logger,
      batch: {
        ...(config.BATCH_MAX_EVENTS ? { maxEvents: config.BATCH_MAX_EVENTS } : {}),
        ...(config.BATCH_MAX_WAIT_MS !== undefined ? { maxWaitMs: config.BATCH_MAX_WAIT_MS } : {}),
      },
      // Without atomic conditional writes (FerretDB) one member must own all of an order's events.
      ...(dialect.atomicConditionalWrites ? {} : { partitionAssigners: [keyAffinityAssigner] }),
      sessionTimeoutMs: config.KAFKA_SESSION_TIMEOUT_MS,
      rebalanceTimeoutMs: config.KAFKA_REBALANCE_TIMEOUT_MS,
      lagIntervalMs: config.LAG_INTERVAL_MS,
      drainTimeoutMs: Math.max(1_000, config.SHUTDOWN_TIMEOUT_MS - 5_000),
      ...(deps.onFatal ? { onFatal: deps.onFatal } : {}),
    });
    const consumer = runtime;
    server = createWorkerServer({
      registry,
      health: () => consumer.health(),
      ready: async () => (stopping ? { ok: false, state: 'stopping' } : consumer.ready()),
    });
    port = await server.listen(config.PORT);
    await consumer.start();
    logger.info({ port, dialect: dialect.name, prefix: config.TOPIC_PREFIX }, 'order-persistence started');
  }

  async function shutdown(reason?: string): Promise<void> {
    if (!started) return;
    await started.catch(() => undefined);
    // Readiness fails first; then the consumer flushes (or abandons) its batch and commits, and
    // disconnects its producer; only then does the database go away.
    stopping = true;
    logger.info({ reason }, 'order-persistence stopping');
    await runtime?.stop();
    await conn?.close().catch((error: unknown) => logger.warn({ err: error }, 'mongo close failed'));
    await server?.close();
    logger.info('order-persistence stopped');
  }

  return {
    start() {
      started ??= boot();
      return started;
    },
    stop(reason) {
      stopped ??= shutdown(reason);
      return stopped;
    },
    get port() {
      return port;
    },
    registry,
    get consumer() {
      return runtime;
    },
  };
}
