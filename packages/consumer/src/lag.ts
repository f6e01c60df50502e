import type { Admin } from 'kafkajs';
import type { Logger } from 'pino';
import type { ConsumerMetrics } from './metrics';

export interface PartitionLag {
  readonly topic: string;
  readonly partition: number;
  readonly lag: number;
}

/**
 * Lag = high watermark − committed offset. A partition the group never committed counts from the
 * log start, matching KEDA's `offsetResetPolicy: earliest` so the two views agree.
 */
export function computeLag(
  ends: ReadonlyArray<{ topic: string; partition: number; high: string; low: string }>,
  committed: ReadonlyArray<{ topic: string; partition: number; offset: string }>,
): PartitionLag[] {
  const key = (t: string, p: number) => `${t}\u0000${p}`;
  const byPartition = new Map(committed.map((c) => [key(c.topic, c.partition), Number(c.offset)]));
  return ends.map((e) => {
    const high = Number(e.high);
    const done = byPartition.get(key(e.topic, e.partition));
    const from = done === undefined || done < 0 ? Number(e.low) : done;
    return { topic: e.topic, partition: e.partition, lag: Math.max(0, high - from) };
  });
}

export async function fetchLag(admin: Admin, groupId: string, topics: readonly string[]): Promise<PartitionLag[]> {
  const [committed, ...ends] = await Promise.all([
    admin.fetchOffsets({ groupId, topics: [...topics] }),
    ...topics.map((topic) => admin.fetchTopicOffsets(topic).then((parts) => parts.map((p) => ({ topic, ...p })))),
  ]);
  const flatCommitted = committed.flatMap((t) => t.partitions.map((p) => ({ topic: t.topic, partition: p.partition, offset: p.offset })));
  return computeLag(ends.flat(), flatCommitted);
}

/**
 * Publishes the group's lag for every partition of its topics, so each replica reports the same
 * group-wide truth (the alert takes `max by (group, topic, partition)`).
 */
export class LagMonitor {
  private timer: NodeJS.Timeout | undefined;
  private last: PartitionLag[] = [];
  private running: Promise<unknown> | undefined;

  constructor(
    private readonly admin: Admin,
    private readonly groupId: string,
    private readonly topics: readonly string[],
    private readonly metrics: ConsumerMetrics,
    private readonly logger: Logger,
    private readonly intervalMs: number,
  ) {}

  get latest(): readonly PartitionLag[] {
    return this.last;
  }

  get total(): number {
    return this.last.reduce((n, p) => n + p.lag, 0);
  }

  start(): void {
    if (this.timer) return;
    const tick = () => {
      this.running = this.refresh().finally(() => {
        if (this.timer) this.timer = setTimeout(tick, this.intervalMs);
      });
    };
    this.timer = setTimeout(tick, 0);
  }

  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  async refresh(): Promise<PartitionLag[]> {
    try {
      this.last = await fetchLag(this.admin, this.groupId, this.topics);
      for (const p of this.last) {
        this.metrics.lag.set({ group: this.groupId, topic: p.topic, partition: String(p.partition) }, p.lag);
      }
    } catch (error) {
      // Lag is observability only: a broker hiccup must not take the worker down.
      this.logger.warn({ err: error }, 'could not refresh consumer lag');
    }
    return this.last;
  }
}
