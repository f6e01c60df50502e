import type { Kafka, PartitionAssigner } from 'kafkajs';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { z } from 'zod';
import { createKafka } from '@medlives/kafka';
import { CommonEnv, KafkaEnv, createLogger, createRegistry, installSignalHandlers, kafkaConnection, parseConfig, runMain } from '@medlives/runtime';
import { type ConsumerGroupSpec, WORKER_HTTP_PORT } from '@medlives/topology';
import { decodeEnvelope } from './event-decoder';
import { type ConsumerRuntime, createConsumerRuntime } from './runtime';
import type { DecodeFn, Sink } from './types';
import { type HealthReport, type WorkerServer, createWorkerServer } from './worker-server';

const positiveInt = z.coerce.number().int().positive();

/** Environment every consumer worker shares; an app extends it with its own keys (STYLE habit 2). */
export const ConsumerEnv = z.object({
  ...KafkaEnv.shape,
  ...CommonEnv.shape,
  /** /healthz, /readyz, /metrics; 0 picks a free port (tests). */
  PORT: z.coerce.number().int().min(0).max(65_535).default(WORKER_HTTP_PORT),
  /** Override the topology's batch for experiments; normally unset. */
  BATCH_MAX_EVENTS: positiveInt.optional(),
  BATCH_MAX_WAIT_MS: z.coerce.number().int().nonnegative().optional(),
  LAG_INTERVAL_MS: positiveInt.default(10_000),
  /** A member that stops heartbeating is evicted after this long (its partitions move on). */
  KAFKA_SESSION_TIMEOUT_MS: z.coerce.number().int().min(6_000).default(30_000),
  KAFKA_REBALANCE_TIMEOUT_MS: z.coerce.number().int().min(6_000).default(60_000),
});
export type ConsumerConfig = z.output<typeof ConsumerEnv>;

/** What an app's `openSink` hands back: the sink and what the shell must manage around it. */
export interface OpenedSink<T> {
  readonly sink: Sink<T>;
  /** e.g. key affinity where the database cannot serialise concurrent writers. */
  readonly partitionAssigners?: PartitionAssigner[];
  /** Extra readiness beyond the consumer's (and the sink's ping). */
  readonly ready?: () => Promise<HealthReport> | HealthReport;
  /** Released after the consumer stopped and committed: producers, database connections. */
  close?(): Promise<void>;
  /** Logged once at start (server kind, providers, ...). */
  readonly describe?: Record<string, unknown>;
}

export interface SinkContext<C> {
  readonly config: C;
  readonly logger: Logger;
  readonly registry: Registry;
  /** The app's Kafka client (same connection settings as the consumer), for sinks that publish. */
  readonly kafka: Kafka;
}

export interface ConsumerAppOptions<T, C extends ConsumerConfig> {
  readonly group: ConsumerGroupSpec;
  readonly config: C;
  /** Connects whatever the sink writes to; called once by `start`, before the consumer joins. */
  openSink(context: SinkContext<C>): Promise<OpenedSink<T>>;
  /** @default decodeEnvelope (the platform's envelope + registered schemas) */
  readonly decode?: DecodeFn<T>;
  readonly logger?: Logger;
  readonly registry?: Registry;
  /** KafkaJS gave up on the consumer; main.ts exits non-zero so Kubernetes restarts the pod. */
  readonly onFatal?: (error: Error) => void;
}

export interface ConsumerApp {
  start(): Promise<void>;
  stop(reason?: string): Promise<void>;
  /** The bound HTTP port (after start). */
  readonly port: number;
  readonly registry: Registry;
  /** The consumer (after start), for tests and diagnostics. */
  readonly consumer: ConsumerRuntime | undefined;
}

/**
 * The shell every consumer worker runs in: health / readiness / metrics server, the group's
 * consumer runtime around the app's sink, and the shutdown order of STYLE habit 4 — readiness
 * fails, the consumer flushes (or abandons) its open batch and commits, then the sink's
 * resources close, then the HTTP server. `start` and `stop` are idempotent.
 */
export function createConsumerApp<T, C extends ConsumerConfig>(options: ConsumerAppOptions<T, C>): ConsumerApp {
  const { group, config } = options;
  const logger = options.logger ?? createLogger(group.app, config.LOG_LEVEL);
  const registry = options.registry ?? createRegistry(group.app);
  let opened: OpenedSink<T> | undefined;
  let runtime: ConsumerRuntime | undefined;
  let server: WorkerServer | undefined;
  let port = 0;
  let stopping = false;
  let started: Promise<void> | undefined;
  let stopped: Promise<void> | undefined;

  async function ready(consumer: ConsumerRuntime): Promise<HealthReport> {
    if (stopping) return { ok: false, state: 'stopping' };
    const own = await consumer.ready();
    if (!own.ok || !opened?.ready) return own;
    const extra = await opened.ready();
    return { ...own, ...extra, ok: extra.ok };
  }

  async function boot(): Promise<void> {
    const kafka = createKafka(kafkaConnection(config, group.app));
    opened = await options.openSink({ config, logger, registry, kafka });
    const consumer = createConsumerRuntime({
      kafka,
      group,
      prefix: config.TOPIC_PREFIX,
      sink: opened.sink,
      decode: options.decode ?? (decodeEnvelope as DecodeFn<never>),
      registry,
      logger,
      batch: {
        ...(config.BATCH_MAX_EVENTS ? { maxEvents: config.BATCH_MAX_EVENTS } : {}),
        ...(config.BATCH_MAX_WAIT_MS !== undefined ? { maxWaitMs: config.BATCH_MAX_WAIT_MS } : {}),
      },
      ...(opened.partitionAssigners ? { partitionAssigners: opened.partitionAssigners } : {}),
      sessionTimeoutMs: config.KAFKA_SESSION_TIMEOUT_MS,
      rebalanceTimeoutMs: config.KAFKA_REBALANCE_TIMEOUT_MS,
      lagIntervalMs: config.LAG_INTERVAL_MS,
      drainTimeoutMs: Math.max(1_000, config.SHUTDOWN_TIMEOUT_MS - 5_000),
      ...(options.onFatal ? { onFatal: options.onFatal } : {}),
    });
    runtime = consumer;
    server = createWorkerServer({ registry, health: () => consumer.health(), ready: () => ready(consumer) });
    port = await server.listen(config.PORT);
    await consumer.start();
    logger.info({ port, prefix: config.TOPIC_PREFIX, ...opened.describe }, `${group.app} started`);
  }

  async function shutdown(reason?: string): Promise<void> {
    if (!started) return;
    await started.catch(() => undefined);
    stopping = true;
    logger.info({ reason }, `${group.app} stopping`);
    await runtime?.stop();
    await opened?.close?.().catch((error: unknown) => logger.warn({ err: error }, 'closing the sink failed'));
    await server?.close();
    logger.info(`${group.app} stopped`);
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

/**
 * main.ts of a consumer worker in one call: parse the environment once (exit 1 listing every bad
 * key), build the app, exit non-zero when KafkaJS gives up, stop on SIGTERM within the timeout.
 */
export function runConsumerMain<S extends z.ZodType<ConsumerConfig>>(
  name: string,
  env: S,
  build: (config: z.output<S>, deps: Pick<ConsumerAppOptions<never, ConsumerConfig>, 'logger' | 'onFatal'>) => ConsumerApp,
): void {
  void runMain(name, async () => {
    const config = parseConfig(env);
    const logger = createLogger(name, config.LOG_LEVEL);
    const app = build(config, {
      logger,
      onFatal: (error) => {
        logger.fatal({ err: error }, 'consumer crashed and will not restart; exiting');
        process.exit(1);
      },
    });
    installSignalHandlers(app, logger, config.SHUTDOWN_TIMEOUT_MS);
    await app.start();
  });
}
