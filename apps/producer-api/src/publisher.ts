import type { Producer } from 'kafkajs';
import type { Counter, Histogram } from 'prom-client';
import { AppError } from '@medlives/errors';
import type { EncodedEvent } from '@medlives/events';

export interface PublisherOptions {
  /** How long the first request of a batch waits for company. */
  readonly lingerMs: number;
  readonly maxBatch: number;
  /** A request not acknowledged within this bound is refused (503), never half-accepted. */
  readonly timeoutMs: number;
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
    private readonly producer: Producer,
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
    // Still queued: drop it so it is never sent. Already sent: the batch outcome decides.
    if (pending.sent) return;
    this.queue = this.queue.filter((p) => p !== pending);
    this.metrics.errors.inc({ code: 'KAFKA_TIMEOUT' });
    pending.reject(new AppError('KAFKA_TIMEOUT', `Kafka did not acknowledge within ${this.options.timeoutMs} ms`));
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
      await this.producer.sendBatch({
        acks: -1,
        topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
      });
      stopTimer({ outcome: 'ok' });
      for (const p of batch) {
        clearTimeout(p.timer);
        p.resolve();
      }
    } catch (error) {
      stopTimer({ outcome: 'error' });
      const appError = new AppError('KAFKA_UNAVAILABLE', `Kafka refused the batch: ${(error as Error).message}`, { cause: error });
      this.metrics.errors.inc({ code: appError.code }, batch.length);
      for (const p of batch) {
        clearTimeout(p.timer);
        p.reject(appError);
      }
    } finally {
      this.inFlight = false;
      this.schedule(this.closed);
      this.settleIdle();
    }
  }

  private settleIdle(): void {
    if (this.inFlight || this.queue.length > 0) return;
    for (const r of this.idle.splice(0)) r();
  }
}
