import type { Logger } from 'pino';
import { type FactStore, type OrderFact, applyEvent, derive, emptyFact, factId, sameFacts } from '@medlives/analytics';
import type { Sink, SinkEvent } from '@medlives/consumer';
import { AppError } from '@medlives/errors';
import type { Envelope } from '@medlives/events';
import type { AnalyticsMetrics } from './metrics';

export interface AnalyticsSinkOptions {
  readonly store: FactStore;
  readonly metrics: AnalyticsMetrics;
  readonly timeZones: Readonly<Record<string, string>>;
  readonly logger: Logger;
  /** Re-merges after lost races before the batch is retried with backoff. @default 5 */
  readonly maxAttempts?: number;
}

const ORDER_EVENTS = new Set(['order.created', 'order.updated', 'order.deleted', 'status.changed']);

/**
 * A batch (up to 1,000 events or 30 s) becomes one read and one bulk write: the touched orders'
 * facts are loaded, the events merged in, and only the facts that changed are written. Merging is
 * idempotent and order-insensitive, so a redelivered batch or a replay from earliest ends in the
 * same documents and writes nothing.
 */
export function createAnalyticsSink(options: AnalyticsSinkOptions): Sink<Envelope> {
  const { store, metrics, timeZones } = options;
  const maxAttempts = options.maxAttempts ?? 5;

  return {
    async write(batch: readonly SinkEvent<Envelope>[]) {
      const byOrder = new Map<string, Envelope[]>();
      for (const { value: e } of batch) {
        if (!ORDER_EVENTS.has(e.eventType)) continue;
        const id = factId(e.tenantCode, (e.data as { orderId: string }).orderId);
        byOrder.set(id, [...(byOrder.get(id) ?? []), e]);
      }
      metrics.events.inc(batch.length);
      if (byOrder.size === 0) return;
      for (let attempt = 1; ; attempt++) {
        const current = await store.load([...byOrder.keys()]);
        const writes: { fact: OrderFact; expectedRev: number | null }[] = [];
        for (const [id, events] of byOrder) {
          const stored = current.get(id);
          const first = events[0]!;
          const tz = timeZones[first.tenantCode];
          const before = stored ? derive(stored, tz) : emptyFact(first.tenantCode, (first.data as { orderId: string }).orderId);
          const after = events.reduce((f, e) => applyEvent(f, e, tz), before);
          if (stored ? sameFacts(after, stored) : sameFacts(after, before)) continue;
          writes.push({ fact: { ...after, rev: (stored?.rev ?? 0) + 1 }, expectedRev: stored ? stored.rev : null });
        }
        if (writes.length === 0) return;
        if (await store.write(writes)) {
          metrics.factsWritten.inc(writes.length);
          return;
        }
        metrics.conflicts.inc();
        if (attempt >= maxAttempts) throw new AppError('CONFLICT', `analytics facts kept changing under ${attempt} attempts; retrying the batch`, { retriable: true, context: { orders: byOrder.size } });
      }
    },
    async ping() {
      await store.collection.estimatedDocumentCount();
    },
  };
}
