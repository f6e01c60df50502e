import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import { backoffDelay, classifyError } from '@medlives/consumer';
import type { Channel } from './config';
import type { OutgoingMessage, Provider } from './channels';
import type { NotificationMetrics } from './metrics';
import type { DeliveryDoc } from './store/collections';
import type { Claim, ClaimRequest, NotificationStore, Settlement } from './store/outbox';

export interface DispatcherOptions {
  readonly store: NotificationStore;
  readonly providers: ReadonlyMap<Channel, Provider>;
  /** Publishes the delivery's source record to the group's DLQ with the last error. */
  deadLetter(doc: DeliveryDoc, error: string): Promise<void>;
  readonly metrics: NotificationMetrics;
  readonly logger: Logger;
  readonly maxAttempts: number;
  readonly retryBaseMs: number;
  readonly sendTimeoutMs: number;
  /** Provider calls in flight per channel. */
  readonly concurrency: number;
  readonly sweepMs: number;
  /** Deliveries held in memory per channel; beyond that the row waits in the outbox for a sweep. @default 5000 */
  readonly maxQueued?: number;
}

interface Lane {
  readonly provider: Provider;
  readonly queue: DeliveryDoc[];
  active: number;
}

/** Past this, a claimed attempt without an outcome belongs to a dead (or hopelessly hung) owner. */
const RECORD_MARGIN_MS = 5_000;
const SWEEP_LIMIT = 2_000;

/**
 * Drains the delivery outbox. Why an outbox and not retry topics: the consumer commits as soon
 * as the delivery rows are stored, so a stalled or failing provider holds provider slots here —
 * never a Kafka partition — and the same rows are the "never twice" record, the retry schedule
 * (`nextAttemptAt`) and the read model of `GET /notifications`. Retry topics would need a
 * delay consumer per backoff step and still a store to deduplicate sends.
 *
 * Each attempt is claimed by inserting `<deliveryId>#<attempt>` (a unique insert: atomic on
 * MongoDB and on FerretDB, which has no atomic findAndModify). Whoever inserts it sends; a
 * claim that is still there with no outcome after its lease means the sender died between
 * sending and recording, and the delivery becomes `unknown` instead of being sent again.
 *
 * Each attempt runs on its own (a stalled call holds one slot of its channel), but its database
 * commands are coalesced: the claims of every attempt starting in the same tick go in one insert,
 * the outcomes that arrive while the previous write is in flight go in the next bulk update. On
 * FerretDB, where every command costs a SQLite transaction, that is what lets one instance keep
 * hundreds of provider calls per second in flight.
 */
export class Dispatcher {
  private readonly lanes = new Map<Channel, Lane>();
  /** Ids queued, in flight or waiting for a retry timer in this process. */
  private readonly known = new Set<string>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly owner = `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  private readonly leaseMs: number;
  private readonly maxQueued: number;
  private readonly log: Logger;
  private sweepTimer: NodeJS.Timeout | undefined;
  private sweeping = false;
  private running = false;
  /** Aborts provider calls still hanging when the shutdown budget is spent. */
  private readonly halt = new AbortController();
  private readonly claims: Coalescer<ClaimRequest, Claim>;
  private readonly outcomes: Coalescer<Settlement, undefined>;

  constructor(private readonly options: DispatcherOptions) {
    for (const [channel, provider] of options.providers) this.lanes.set(channel, { provider, queue: [], active: 0 });
    this.leaseMs = options.sendTimeoutMs + RECORD_MARGIN_MS;
    this.maxQueued = options.maxQueued ?? 5_000;
    this.log = options.logger.child({ component: 'dispatcher' });
    this.claims = new Coalescer((items) => options.store.claimMany(items, this.owner, this.leaseMs));
    this.outcomes = new Coalescer(async (items) => {
      await options.store.settleMany(items);
      return items.map(() => undefined);
    });
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    void this.sweep();
    this.sweepTimer = setInterval(() => void this.sweep(), this.options.sweepMs);
  }

  /** Rows the sink just stored: sent from memory at once; the outbox row covers a crash. */
  enqueue(docs: readonly DeliveryDoc[]): void {
    for (const doc of docs) if (!this.known.has(doc._id)) this.push(doc);
  }

  /** Nothing queued or in flight (tests and the bench wait on it). */
  get idle(): boolean {
    return this.known.size === 0;
  }

  /** Stops taking work and waits (bounded) for calls in flight; queued rows stay owed in the outbox. */
  async stop(timeoutMs: number): Promise<void> {
    this.running = false;
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const lane of this.lanes.values()) lane.queue.length = 0;
    const within = (ms: number) => Promise.race([Promise.allSettled([...this.inFlight]), new Promise<void>((resolve) => setTimeout(resolve, ms).unref())]);
    await within(timeoutMs);
    // Calls still hanging are abandoned: their claims expire and the deliveries read `unknown`.
    this.halt.abort();
    await within(1_000);
    this.updateGauges();
  }

  private push(doc: DeliveryDoc): void {
    const lane = this.lanes.get(doc.channel);
    // No provider any more (configuration changed): the row stays owed until one is configured.
    if (!this.running || !lane || lane.queue.length >= this.maxQueued) return;
    this.known.add(doc._id);
    lane.queue.push(doc);
    this.pump(lane);
  }

  private pump(lane: Lane): void {
    while (this.running && lane.active < this.options.concurrency && lane.queue.length > 0) {
      const doc = lane.queue.shift()!;
      lane.active++;
      const run: Promise<void> = this.attempt(lane, doc)
        .then((rescheduled) => {
          if (!rescheduled) this.known.delete(doc._id);
        })
        .catch((error: unknown) => {
          // A database fault mid-attempt: the row is still owed (or its claim will expire); the sweep resumes it.
          this.known.delete(doc._id);
          this.log.warn({ err: error, deliveryId: doc._id }, 'delivery attempt interrupted; the outbox sweep resumes it');
        })
        .finally(() => {
          lane.active--;
          this.inFlight.delete(run);
          this.pump(lane);
        });
      this.inFlight.add(run);
    }
    this.updateGauges();
  }

  /** One attempt of one delivery; resolves true when a retry was scheduled in memory. */
  private async attempt(lane: Lane, doc: DeliveryDoc): Promise<boolean> {
    const { metrics } = this.options;
    const attempt = doc.attempts + 1;
    const claim = await this.claims.submit({ delivery: doc._id, attempt });
    if (!claim.ok) {
      if (claim.expired) await this.markUnknown(doc, attempt);
      return false;
    }
    const started = process.hrtime.bigint();
    const seconds = () => Number(process.hrtime.bigint() - started) / 1e9;
    metrics.inFlight.inc({ channel: doc.channel });
    try {
      const receipt = await lane.provider.send(message(doc), AbortSignal.any([AbortSignal.timeout(this.options.sendTimeoutMs), this.halt.signal]));
      metrics.sendDuration.observe({ channel: doc.channel, result: 'ok' }, seconds());
      const sentAt = new Date();
      await this.record(doc, { status: 'sent', attempts: attempt, sentAt, ...(receipt.providerMessageId ? { providerMessageId: receipt.providerMessageId } : {}) }, true);
      metrics.deliveries.inc({ channel: doc.channel, outcome: 'sent' });
      metrics.latency.observe({ channel: doc.channel }, (sentAt.getTime() - new Date(doc.createdAt).getTime()) / 1000);
      return false;
    } catch (error) {
      if (isStoreError(error)) throw error;
      metrics.sendDuration.observe({ channel: doc.channel, result: 'error' }, seconds());
      return this.onSendError(doc, attempt, error);
    } finally {
      metrics.inFlight.dec({ channel: doc.channel });
    }
  }

  private async onSendError(doc: DeliveryDoc, attempt: number, error: unknown): Promise<boolean> {
    const { metrics, maxAttempts, retryBaseMs } = this.options;
    const c = classifyError(error);
    const lastError = `${doc.channel} attempt ${attempt}/${maxAttempts}: ${c.message}`;
    if (this.halt.signal.aborted) return false; // shutting down: the claim expires, the row reads `unknown`
    if (c.retriable && attempt < maxAttempts) {
      const delay = backoffDelay(attempt, { initialMs: retryBaseMs * 2, maxMs: 5 * 60_000 });
      const nextAttemptAt = new Date(Date.now() + delay);
      await this.record(doc, { status: 'pending', attempts: attempt, nextAttemptAt, lastError }, false);
      metrics.deliveries.inc({ channel: doc.channel, outcome: 'retried' });
      this.log.info({ deliveryId: doc._id, attempt, delayMs: delay, reason: c.message }, 'delivery failed; retrying');
      if (!this.running) return false; // the next owner's sweep picks the row up at nextAttemptAt
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        this.known.delete(doc._id);
        this.push({ ...doc, attempts: attempt, nextAttemptAt, lastError });
      }, delay);
      this.timers.add(timer);
      return true;
    }
    // Out of attempts (or a permanent refusal): failed, then dead-lettered; until the DLQ has it
    // the row stays due, so a crash in between only repeats the dead letter, never the send.
    await this.record(doc, { status: 'failed', attempts: attempt, lastError, deadLettered: false, nextAttemptAt: new Date() }, false);
    metrics.deliveries.inc({ channel: doc.channel, outcome: 'failed' });
    await this.deadLetter({ ...doc, attempts: attempt, lastError });
    return false;
  }

  /** Records an attempt's outcome, retrying briefly: an unrecorded success would later read as `unknown`. */
  private async record(doc: DeliveryDoc, set: Partial<DeliveryDoc>, settled: boolean): Promise<void> {
    for (let i = 1; ; i++) {
      try {
        await this.outcomes.submit({ id: doc._id, expectAttempts: doc.attempts, set, settled });
        return;
      } catch (error) {
        if (i >= 5) throw error;
        await new Promise((r) => setTimeout(r, 200 * i));
      }
    }
  }

  private async deadLetter(doc: DeliveryDoc): Promise<void> {
    try {
      await this.options.deadLetter(doc, doc.lastError ?? 'failed');
      await this.options.store.markDeadLettered(doc._id);
      this.log.warn({ deliveryId: doc._id, attempts: doc.attempts, reason: doc.lastError }, 'delivery dead-lettered');
    } catch (error) {
      this.log.warn({ err: error, deliveryId: doc._id }, 'dead letter not published yet; the outbox sweep retries it');
    }
  }

  private async markUnknown(doc: DeliveryDoc, attempt: number): Promise<void> {
    const reason = `attempt ${attempt} was claimed but its outcome never recorded (sender crashed between send and record?); not resent`;
    const changed = await this.options.store.settle(doc._id, doc.attempts, { status: 'unknown', attempts: attempt, reason }, true);
    if (!changed) return;
    this.options.metrics.deliveries.inc({ channel: doc.channel, outcome: 'unknown' });
    this.log.warn({ deliveryId: doc._id, attempt }, 'delivery outcome unknown');
  }

  /** Resumes what no live process owns: rows owed since before the last interval, and unpublished dead letters. */
  private async sweep(): Promise<void> {
    if (this.sweeping || !this.running) return;
    this.sweeping = true;
    try {
      const rows = await this.options.store.dueRows(new Date(Date.now() - this.options.sweepMs), SWEEP_LIMIT, (id) => this.known.has(id), (id, error) =>
        this.log.error({ err: error, deliveryId: id }, 'owed delivery cannot be opened (altered, or sealed under a key no longer configured); left owed'),
      );
      for (const row of rows) {
        if (this.known.has(row._id)) continue;
        if (row.status === 'pending') this.push(row);
        else if (row.status === 'failed' && !row.deadLettered) await this.deadLetter(row);
        else await this.options.store.clearDue(row._id);
      }
    } catch (error) {
      this.log.warn({ err: error }, 'outbox sweep failed; next interval retries');
    } finally {
      this.sweeping = false;
    }
  }

  private updateGauges(): void {
    for (const [channel, lane] of this.lanes) this.options.metrics.queued.set({ channel }, lane.queue.length);
  }
}

function message(doc: DeliveryDoc): OutgoingMessage {
  return {
    deliveryId: doc._id,
    channel: doc.channel,
    recipient: doc.recipient ?? '',
    subject: doc.subject,
    body: doc.body,
    eventId: doc.eventId,
    eventType: doc.eventType,
    tenantCode: doc.tenantCode,
  };
}

function isStoreError(error: unknown): boolean {
  const ctx = (error as { context?: { provider?: boolean } }).context;
  return error instanceof Error && error.name === 'AppError' && !ctx?.provider;
}

/**
 * Gathers the calls made while the previous run is in flight (or in the same tick) into one run
 * of `run`, one run at a time. Each caller gets its own item's result or the run's error.
 */
class Coalescer<I, O> {
  private queue: Array<{ item: I; resolve: (o: O) => void; reject: (e: unknown) => void }> = [];
  private running = false;

  constructor(private readonly run: (items: I[]) => Promise<O[]>) {}

  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (!this.running) {
        this.running = true;
        setImmediate(() => void this.drain());
      }
    });
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue;
      this.queue = [];
      try {
        const out = await this.run(batch.map((b) => b.item));
        batch.forEach((b, i) => b.resolve(out[i]!));
      } catch (error) {
        for (const b of batch) b.reject(error);
      }
    }
    this.running = false;
  }
}
