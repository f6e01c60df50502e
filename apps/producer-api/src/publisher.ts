import { CompressionTypes, type ProducerBatch } from 'kafkajs';
import { groupByCompression } from '@medlives/kafka';
import type { Counter, Histogram } from 'prom-client';
import { AppError } from '@medlives/errors';
import type { EncodedEvent } from '@medlives/events';

export interface PublisherOptions {
  /** How long the first request of a batch waits for company. */
  readonly lingerMs: number;
  readonly maxBatch: number;
  /**
   * A request not acknowledged within this bound is answered 503. If it was already sent the
   * outcome is unknown (the broker may still write it): the caller keeps the event to re-send.
   */
  readonly timeoutMs: number;
  /** How long the broker may wait for the in-sync replicas (acks=all) before it answers. */
  readonly ackTimeoutMs?: number;
  /** Called when a sent batch outlives the bound: its producer should not be trusted further. */
  readonly onUnknownOutcome?: () => void;
  /** Each topic's codec (see `topicCompression`); uncompressed when absent. */
  readonly compressionFor?: (topic: string) => CompressionTypes;
}

/** What the publisher needs from a producer (a KafkaJS Producer or the API's ProducerSlot). */
export interface BatchSender {
  sendBatch(batch: ProducerBatch): Promise<unknown>;
}

export interface PublisherMetrics {
  sendDuration: Histogram<'outcome'>;
  batchSize: Histogram;
  errors: Counter<'code'>;
}

interface Pending {
  event: EncodedEvent;
  deadline: number;
  resolve: () => void;
  reject: (error: AppError) => void;
  timer: NodeJS.Timeout;
  sent: boolean;
  settled: boolean;
}

/**
 * Coalesces concurrent publishes into one `sendBatch` (KafkaJS sends one request per call).
 * One batch is in flight at a time: requests arriving meanwhile form the next batch, which keeps
 * per-key order (a later record never overtakes an earlier one) and batches grow with load.
 */
export class BatchingPublisher {
  private queue: Pending[] = [];
  private inFlight = false;
  private lingerTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private idle: Array<() => void> = [];

  constructor(
    private readonly producer: BatchSender,
    private readonly options: PublisherOptions,
    private readonly metrics: PublisherMetrics,
  ) {}

  publish(event: EncodedEvent): Promise<void> {
    if (this.closed) return Promise.reject(new AppError('KAFKA_UNAVAILABLE', 'publisher is shutting down'));
    return new Promise<void>((resolve, reject) => {
      const pending: Pending = {
        event,
        deadline: Date.now() + this.options.timeoutMs,
        resolve,
        reject,
        sent: false,
        settled: false,
        timer: setTimeout(() => this.expire(pending), this.options.timeoutMs),
      };
      this.queue.push(pending);
      this.schedule();
    });
  }

  /** Resolves when nothing is queued or in flight (graceful shutdown). */
  async drain(): Promise<void> {
    this.closed = true;
    if (!this.inFlight && this.queue.length === 0) return;
    this.schedule(true);
    await new Promise<void>((r) => this.idle.push(r));
  }

  private expire(pending: Pending): void {
    if (pending.settled) return;
    pending.settled = true;
    this.metrics.errors.inc({ code: 'KAFKA_TIMEOUT' });
    if (!pending.sent) {
      // Still queued: drop it so it is never sent.
      this.queue = this.queue.filter((p) => p !== pending);
      pending.reject(new AppError('KAFKA_TIMEOUT', `Kafka was not reached within ${this.options.timeoutMs} ms; nothing was sent`));
      return;
    }
    // Sent, not acknowledged: the broker may still write it. Answer now; the caller keeps the event.
    pending.reject(new AppError('KAFKA_TIMEOUT', `Kafka did not acknowledge within ${this.options.timeoutMs} ms; the outcome is unknown`));
    this.options.onUnknownOutcome?.();
  }

  private schedule(now = false): void {
    if (this.inFlight || this.queue.length === 0) return;
    if (now || this.queue.length >= this.options.maxBatch || this.options.lingerMs === 0) {
      if (this.lingerTimer) clearTimeout(this.lingerTimer);
      this.lingerTimer = undefined;
      void this.flush();
    } else if (!this.lingerTimer) {
      this.lingerTimer = setTimeout(() => {
        this.lingerTimer = undefined;
        void this.flush();
      }, this.options.lingerMs);
    }
  }

  private async flush(): Promise<void> {
    if (this.inFlight) return;
    const batch = this.queue.splice(0, this.options.maxBatch);
    if (batch.length === 0) return this.settleIdle();
    this.inFlight = true;
    for (const p of batch) p.sent = true;
    const byTopic = new Map<string, EncodedEvent['message'][]>();
    for (const p of batch) {
      const list = byTopic.get(p.event.topic) ?? [];
      list.push(p.event.message);
      byTopic.set(p.event.topic, list);
    }
    const stopTimer = this.metrics.sendDuration.startTimer();
    this.metrics.batchSize.observe(batch.length);
    try {
      // One request per codec (usually one: most topics are gzip), all sent before any is awaited.
      const codecOf = this.options.compressionFor ?? (() => CompressionTypes.None);
      await Promise.all(
        groupByCompression(byTopic, codecOf).map(({ compression, topicMessages }) =>
          this.producer.sendBatch({
            acks: -1,
            compression,
            ...(this.options.ackTimeoutMs ? { timeout: this.options.ackTimeoutMs } : {}),
            topicMessages,
          }),
        ),
      );
      stopTimer({ outcome: 'ok' });
      for (const p of this.unsettled(batch)) p.resolve();
    } catch (error) {
      stopTimer({ outcome: 'error' });
      const appError = new AppError('KAFKA_UNAVAILABLE', `Kafka refused the batch: ${(error as Error).message}`, { cause: error });
      const waiting = this.unsettled(batch);
      if (waiting.length) this.metrics.errors.inc({ code: appError.code }, waiting.length);
      for (const p of waiting) p.reject(appError);
    } finally {
      this.inFlight = false;
      this.schedule(this.closed);
      this.settleIdle();
    }
  }

  /** The batch's requests still waiting for an answer (expired ones were answered already). */
  private unsettled(batch: Pending[]): Pending[] {
    const waiting = batch.filter((p) => !p.settled);
    for (const p of waiting) {
      p.settled = true;
      clearTimeout(p.timer);
    }
    return waiting;
  }

  private settleIdle(): void {
    if (this.inFlight || this.queue.length > 0) return;
    for (const r of this.idle.splice(0)) r();
  }
}
