/**
 * Cross-partition batch accumulator. Each KafkaJS `eachBatch` handler submits its records in
 * chunks and waits here until the batch holding the chunk has been flushed; only then does it
 * resolve offsets. A batch is flushed when it holds `maxEvents`, when its oldest record has
 * waited `maxWaitMs`, or as soon as no more input can arrive: every handler KafkaJS is running is
 * parked on this accumulator (its fetcher waits for all handlers before fetching again), so
 * waiting longer would only add latency. By default flushes run one at a time, so one instance
 * never writes the same entity from two batches at once; one-by-one groups (notification...)
 * allow as many in flight as partitions they consume concurrently.
 */

/** What happened to a submitted chunk. */
export type FlushOutcome =
  /** Sink succeeded and offsets are committed: resolve them and carry on. */
  | 'committed'
  /** Transient failure, nothing committed: pause the partition and let Kafka re-deliver. */
  | 'retry'
  /** Shutting down or lost the partition: return without resolving anything. */
  | 'abandoned';

export interface AccumulatorOptions<E> {
  readonly maxEvents: number;
  readonly maxWaitMs: number;
  /** Writes one batch. Should not throw; a rejection is treated as 'retry'. */
  readonly flush: (entries: E[]) => Promise<FlushOutcome>;
  /** Batches written at the same time. @default 1 */
  readonly maxInFlight?: number;
}

interface Chunk<E> {
  readonly entries: E[];
  readonly settle: (outcome: FlushOutcome) => void;
}

export class BatchAccumulator<E> {
  private open: Chunk<E>[] = [];
  private openSize = 0;
  private readonly sealed: Chunk<E>[][] = [];
  private inFlight = 0;
  private active = 0;
  private waiting = 0;
  private draining = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly idleWaiters: Array<() => void> = [];

  constructor(private readonly options: AccumulatorOptions<E>) {
    if (options.maxEvents < 1) throw new Error('maxEvents must be >= 1');
  }

  /** A handler started (KafkaJS handed it a partition batch). */
  enter(): void {
    this.active++;
  }

  /** A handler returned to KafkaJS. */
  leave(): void {
    this.active--;
    this.pump();
  }

  /** Buffered plus in-flight record count (for metrics and tests). */
  get pending(): number {
    return this.openSize + this.sealed.reduce((n, b) => n + b.reduce((m, c) => m + c.entries.length, 0), 0);
  }

  get busy(): boolean {
    return this.inFlight > 0 || this.openSize > 0 || this.sealed.length > 0;
  }

  submit(entries: E[]): Promise<FlushOutcome> {
    if (entries.length === 0) return Promise.resolve('committed');
    if (entries.length > this.options.maxEvents) {
      throw new Error(`chunk of ${entries.length} exceeds maxEvents ${this.options.maxEvents}`);
    }
    return new Promise<FlushOutcome>((resolve) => {
      let settled = false;
      const settle = (outcome: FlushOutcome) => {
        if (settled) return;
        settled = true;
        this.waiting--;
        resolve(outcome);
      };
      if (this.openSize + entries.length > this.options.maxEvents) this.seal();
      this.waiting++;
      this.open.push({ entries, settle });
      this.openSize += entries.length;
      if (this.open.length === 1 && this.options.maxWaitMs >= 0) {
        this.timer = setTimeout(() => {
          this.timer = undefined;
          this.seal();
          this.pump();
        }, this.options.maxWaitMs);
      }
      if (this.openSize >= this.options.maxEvents) this.seal();
      this.pump();
    });
  }

  /** Settles every queued (not in-flight) chunk, e.g. when the sink is down or we are stopping. */
  settleQueued(outcome: FlushOutcome): void {
    this.seal();
    for (const batch of this.sealed.splice(0)) for (const chunk of batch) chunk.settle(outcome);
    this.notifyIdle();
  }

  /** Flushes whatever is buffered without waiting for more input; resolves once nothing is pending. */
  async drain(): Promise<void> {
    this.draining = true;
    this.pump();
    if (!this.busy) return;
    await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  private seal(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.open.length === 0) return;
    this.sealed.push(this.open);
    this.open = [];
    this.openSize = 0;
  }

  private pump(): void {
    const limit = this.options.maxInFlight ?? 1;
    while (this.inFlight < limit) {
      // Every running handler is parked here: nothing else can join this batch.
      const idle = this.waiting >= this.active;
      if (this.sealed.length === 0 && this.open.length > 0 && (idle || this.draining)) this.seal();
      const next = this.sealed.shift();
      if (!next) break;
      this.start(next);
    }
    this.notifyIdle();
  }

  private start(batch: Chunk<E>[]): void {
    this.inFlight++;
    this.options
      .flush(batch.flatMap((c) => c.entries))
      .catch((): FlushOutcome => 'retry')
      .then((outcome) => {
        this.inFlight--;
        for (const chunk of batch) chunk.settle(outcome);
        // Queued batches would hit the same broken sink: hand them back for a later re-delivery.
        if (outcome !== 'committed') this.settleQueued(outcome);
        this.pump();
      });
  }

  private notifyIdle(): void {
    if (this.busy) return;
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }
}
