import type { Admin, Consumer, EachBatchPayload, Kafka, KafkaMessage, PartitionAssigner, Producer } from 'kafkajs';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { type BatchSpec, type ConsumerGroupSpec, resolveGroupId, resolveTopicName } from '@medlives/topology';
import { BatchAccumulator, type FlushOutcome } from './accumulator';
import { type BackoffOptions, backoffDelay } from './backoff';
import { classifyError, isPermanent } from './classify';
import { LagMonitor, type PartitionLag } from './lag';
import { consumerMetrics } from './metrics';
import { SinkWriter, type Failed } from './sink-writer';
import { commitPlan, isRebalance, sleep, withTimeout } from './offsets';
import type { DecodeFn, Decoded, RecordOrigin, Sink } from './types';
import type { HealthReport } from './worker-server';

export interface ConsumerRuntimeOptions<T> {
  readonly kafka: Kafka;
  readonly group: ConsumerGroupSpec;
  /** Prepended to topics and the group id (TOPIC_PREFIX). @default '' */
  readonly prefix?: string;
  readonly sink: Sink<T>;
  readonly decode: DecodeFn<T>;
  readonly registry: Registry;
  readonly logger: Logger;
  /** Overrides the topology's batch settings (benchmarks, tests). @default group.batch */
  readonly batch?: Partial<BatchSpec>;
  /** @default initial 200 ms, max 10 s */
  readonly backoff?: BackoffOptions;
  /** Partitions KafkaJS hands out concurrently. @default group.concurrency */
  readonly concurrency?: number;
  /**
   * Batches written at once. One keeps an instance a single writer per entity (batch groups);
   * one-by-one groups write each partition's record independently. @default batch mode 1, single mode concurrency
   */
  readonly flushConcurrency?: number;
  /** @default KafkaJS round robin */
  readonly partitionAssigners?: PartitionAssigner[];
  /** @default 30000 */
  readonly sessionTimeoutMs?: number;
  /** @default 60000 */
  readonly rebalanceTimeoutMs?: number;
  /** Broker long-poll; also how soon resumed partitions are fetched again. @default 1000 */
  readonly fetchMaxWaitMs?: number;
  /** @default 10000 */
  readonly lagIntervalMs?: number;
  /** How long `stop` waits for the open batch before abandoning it uncommitted. @default 10000 */
  readonly drainTimeoutMs?: number;
  /** KafkaJS crashed and will not restart, or a DLQ write / commit failed permanently: exit non-zero. */
  readonly onFatal?: (error: Error) => void;
}

export interface ConsumerRuntime {
  readonly groupId: string;
  readonly topics: readonly string[];
  readonly dlqTopic: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  health(): HealthReport;
  ready(): Promise<HealthReport>;
  lag(): readonly PartitionLag[];
  refreshLag(): Promise<readonly PartitionLag[]>;
}

interface Entry<T> {
  readonly origin: RecordOrigin;
  readonly message: KafkaMessage;
  readonly decoded: Decoded<T>;
  readonly payload: Pick<EachBatchPayload, 'heartbeat' | 'commitOffsetsIfNecessary'>;
}

export function createConsumerRuntime<T>(options: ConsumerRuntimeOptions<T>): ConsumerRuntime {
  return new Runtime(options);
}

class Runtime<T> implements ConsumerRuntime {
  readonly groupId: string;
  readonly topics: readonly string[];
  readonly dlqTopic: string;
  private readonly batch: BatchSpec;
  private readonly metrics;
  private readonly log: Logger;
  private readonly consumer: Consumer;
  private readonly producer: Producer;
  private readonly admin: Admin;
  private readonly accumulator: BatchAccumulator<Entry<T>>;
  private readonly writer: SinkWriter<T>;
  private readonly lagMonitor: LagMonitor;
  private readonly paused = new Map<string, { topic: string; partition: number }>();
  private state: 'new' | 'starting' | 'running' | 'stopping' | 'stopped' = 'new';
  private joined = false;
  private fatal: Error | undefined;
  private attempt = 0;
  private backoffUntil = 0;
  private resumeTimer: NodeJS.Timeout | undefined;
  private stopped: Promise<void> | undefined;

  constructor(private readonly options: ConsumerRuntimeOptions<T>) {
    const { group, prefix = '', kafka } = options;
    this.groupId = resolveGroupId(group, prefix);
    // The group's own re-drive topic too: `medlives dlq redrive` sends fixed dead letters there.
    this.topics = [...group.topics, group.redrive].map((t) => resolveTopicName(t, prefix));
    this.dlqTopic = resolveTopicName(group.dlq, prefix);
    this.batch = { ...group.batch, ...options.batch };
    this.metrics = consumerMetrics(options.registry);
    this.log = options.logger.child({ group: this.groupId });
    this.consumer = kafka.consumer({
      groupId: this.groupId,
      ...(options.partitionAssigners ? { partitionAssigners: options.partitionAssigners } : {}),
      sessionTimeout: options.sessionTimeoutMs ?? 30_000,
      rebalanceTimeout: options.rebalanceTimeoutMs ?? 60_000,
      heartbeatInterval: Math.min(3_000, Math.floor((options.sessionTimeoutMs ?? 30_000) / 3)),
      maxWaitTimeInMs: options.fetchMaxWaitMs ?? 1_000,
      allowAutoTopicCreation: false,
    });
    this.producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
    this.admin = kafka.admin();
    this.writer = new SinkWriter(options.sink, this.groupId, this.metrics);
    this.accumulator = new BatchAccumulator<Entry<T>>({
      maxEvents: this.batch.maxEvents,
      maxWaitMs: this.batch.maxWaitMs,
      flush: (entries) => this.flush(entries),
      maxInFlight: options.flushConcurrency ?? (group.mode === 'single' ? (options.concurrency ?? group.concurrency) : 1),
    });
    this.lagMonitor = new LagMonitor(this.admin, this.groupId, this.topics, this.metrics, this.log, options.lagIntervalMs ?? 10_000);
    this.watchConsumer();
  }

  async start(): Promise<void> {
    if (this.state !== 'new') return;
    this.state = 'starting';
    await Promise.all([this.producer.connect(), this.admin.connect(), this.consumer.connect()]);
    await this.consumer.subscribe({ topics: [...this.topics], fromBeginning: true });
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.options.concurrency ?? this.options.group.concurrency,
      eachBatch: (payload) => this.handle(payload),
    });
    this.lagMonitor.start();
    this.state = 'running';
    this.log.info({ topics: this.topics, batch: this.batch }, 'consumer started');
  }

  stop(): Promise<void> {
    this.stopped ??= this.shutdown();
    return this.stopped;
  }

  private async shutdown(): Promise<void> {
    if (this.state === 'new') {
      this.state = 'stopped';
      return;
    }
    this.state = 'stopping';
    this.joined = false;
    if (this.resumeTimer) clearTimeout(this.resumeTimer);
    // Flush the open batch so its offsets commit; past the deadline, abandon it uncommitted:
    // Kafka re-delivers it to whoever owns the partition next and the sink is idempotent.
    const drained = await Promise.race([
      this.accumulator.drain().then(() => true),
      sleep(this.options.drainTimeoutMs ?? 10_000).then(() => false),
    ]);
    if (!drained) {
      this.log.warn('open batch not flushed before the drain deadline; abandoning it uncommitted');
      this.accumulator.settleQueued('abandoned');
    }
    await this.consumer.stop().catch((error: unknown) => this.log.warn({ err: error }, 'consumer stop failed'));
    await this.consumer.disconnect().catch(() => undefined);
    await this.lagMonitor.stop();
    await this.producer.disconnect().catch(() => undefined);
    await this.admin.disconnect().catch(() => undefined);
    this.state = 'stopped';
    this.log.info('consumer stopped');
  }

  health(): HealthReport {
    return { ok: this.fatal === undefined, state: this.state, ...(this.fatal ? { error: this.fatal.message } : {}) };
  }

  async ready(): Promise<HealthReport> {
    const sink = await withTimeout(this.options.sink.ping?.() ?? Promise.resolve(), 2_000).then(
      () => 'reachable',
      (error: unknown) => `unreachable: ${classifyError(error).message}`,
    );
    const ok = this.state === 'running' && this.joined && sink === 'reachable' && this.fatal === undefined;
    const fatal = this.fatal ? { error: this.fatal.message } : {};
    return { ok, state: this.state, joined: this.joined, sink, pausedPartitions: this.paused.size, lag: this.lagMonitor.total, ...fatal };
  }

  lag(): readonly PartitionLag[] {
    return this.lagMonitor.latest;
  }

  refreshLag(): Promise<readonly PartitionLag[]> {
    return this.lagMonitor.refresh();
  }

  private watchConsumer(): void {
    const { events } = this.consumer;
    this.consumer.on(events.GROUP_JOIN, ({ payload }) => {
      this.joined = true;
      this.options.sink.onRebalance?.();
      this.log.info({ memberId: payload.memberId, assignment: payload.memberAssignment }, 'joined group');
    });
    this.consumer.on(events.REBALANCING, () => {
      this.joined = false;
    });
    this.consumer.on(events.CRASH, ({ payload }) => {
      this.joined = false;
      this.log.error({ err: payload.error, restart: payload.restart }, 'consumer crashed');
      if (!payload.restart && this.state !== 'stopping') {
        this.fatal = payload.error;
        this.options.onFatal?.(payload.error);
      }
    });
  }

  /** One KafkaJS partition batch: decode, park chunks on the accumulator, resolve what committed. */
  private async handle(payload: EachBatchPayload): Promise<void> {
    const { batch, resolveOffset, heartbeat, isRunning, isStale } = payload;
    const { topic, partition } = batch;
    this.accumulator.enter();
    try {
      for (let i = 0; i < batch.messages.length; i += this.batch.maxEvents) {
        if (!isRunning() || isStale() || this.state === 'stopping') return;
        if (Date.now() < this.backoffUntil) return this.pause(topic, partition);
        const slice = batch.messages.slice(i, i + this.batch.maxEvents);
        const outcome = await this.accumulator.submit(slice.map((message) => this.entry(topic, partition, message, payload)));
        if (outcome === 'retry') return this.pause(topic, partition);
        if (outcome === 'abandoned') return;
        resolveOffset(slice[slice.length - 1]!.offset);
        await heartbeat();
      }
    } finally {
      this.accumulator.leave();
    }
  }

  private entry(topic: string, partition: number, message: KafkaMessage, payload: EachBatchPayload): Entry<T> {
    const origin = { topic, partition, offset: message.offset };
    return { origin, message, decoded: this.options.decode(message, origin), payload };
  }

  private async flush(entries: Entry<T>[]): Promise<FlushOutcome> {
    const started = process.hrtime.bigint();
    const first = entries[0]!.payload;
    // A slow sink must not cost us the group: keep heartbeating while the batch is written.
    const ticker = setInterval(() => void first.heartbeat().catch(() => undefined), 1_000);
    try {
      const failed = await this.writer.write(entries.map((e) => ({ origin: e.origin, message: e.message, decoded: e.decoded })));
      if (failed.length) await this.deadLetter(failed);
      await first.commitOffsetsIfNecessary({ topics: commitPlan(entries) });
      this.record(entries, failed, started);
      this.attempt = 0;
      return 'committed';
    } catch (error) {
      return this.onFlushError(error, entries.length);
    } finally {
      clearInterval(ticker);
    }
  }

  private async deadLetter(failed: readonly Failed[]): Promise<void> {
    await this.producer.send({
      topic: this.dlqTopic,
      acks: -1,
      messages: failed.map((f) => f.deadLetter(this.groupId)),
    });
    for (const f of failed) {
      this.metrics.dlq.inc({ group: this.groupId, code: f.code });
      this.log.warn({ ...f.origin, code: f.code, reason: f.reason }, 'record dead-lettered');
    }
  }

  private record(entries: readonly Entry<T>[], failed: readonly Failed[], started: bigint): void {
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    this.metrics.batchSize.observe({ group: this.groupId }, entries.length);
    this.metrics.batchDuration.observe({ group: this.groupId }, seconds);
    this.metrics.commits.inc({ group: this.groupId });
    this.log.debug({ size: entries.length, dead: failed.length, ms: Math.round(seconds * 1000) }, 'batch committed');
    const dead = new Set(failed.map((f) => f.origin));
    for (const e of entries) {
      this.metrics.events.inc({ group: this.groupId, topic: e.origin.topic, outcome: dead.has(e.origin) ? 'dlq' : 'processed' });
    }
  }

  private onFlushError(error: unknown, size: number): FlushOutcome {
    const c = classifyError(error);
    this.metrics.errors.inc({ group: this.groupId, code: c.code });
    if (this.state === 'stopping' || isRebalance(error)) {
      this.log.info({ reason: c.message }, 'batch abandoned uncommitted (rebalance or shutdown)');
      return 'abandoned';
    }
    if (isPermanent(error)) return this.escalate(error, c.code);
    this.attempt++;
    const delay = backoffDelay(this.attempt, { initialMs: 200, maxMs: 10_000, ...this.options.backoff });
    this.backoffUntil = Date.now() + delay;
    this.metrics.retries.inc({ group: this.groupId, code: c.code });
    this.log.warn({ code: c.code, reason: c.message, attempt: this.attempt, delayMs: delay, size }, 'transient fault: pausing, nothing committed');
    if (this.resumeTimer) clearTimeout(this.resumeTimer);
    this.resumeTimer = setTimeout(() => this.resumeAll(), delay);
    return 'retry';
  }

  /**
   * Retrying a permanent DLQ-produce or commit failure would loop forever while /readyz stays
   * green (issue 12 hole 6). Stop taking work, fail liveness and readiness, count it, and tell
   * the app to exit so Kubernetes restarts the pod and the failure shows as CrashLoopBackOff.
   * Nothing of the batch was committed: the next owner of the partitions re-reads it.
   */
  private escalate(error: unknown, code: string): FlushOutcome {
    const err = error instanceof Error ? error : new Error(String(error));
    if (this.fatal) return 'abandoned';
    this.fatal = err;
    this.metrics.fatal.inc({ group: this.groupId, code });
    this.log.fatal({ err, code }, 'permanent failure to dead-letter or commit; stopping intake and escalating');
    this.consumer.pause(this.topics.map((topic) => ({ topic })));
    this.options.onFatal?.(err);
    return 'abandoned';
  }

  private pause(topic: string, partition: number): void {
    this.consumer.pause([{ topic, partitions: [partition] }]);
    this.paused.set(`${topic}:${partition}`, { topic, partition });
    this.metrics.paused.set({ group: this.groupId }, this.paused.size);
  }

  private resumeAll(): void {
    this.resumeTimer = undefined;
    this.backoffUntil = 0;
    if (this.state !== 'running') return;
    const parts = [...this.paused.values()];
    this.paused.clear();
    this.metrics.paused.set({ group: this.groupId }, 0);
    for (const p of parts) this.consumer.resume([{ topic: p.topic, partitions: [p.partition] }]);
    if (parts.length) this.log.info({ partitions: parts.length, attempt: this.attempt }, 'resuming paused partitions');
  }
}
