import { createHash } from 'node:crypto';
import type { Producer } from 'kafkajs';
import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import type { Sink, SinkEvent } from '@medlives/consumer';
import { AppError } from '@medlives/errors';
import { type Envelope, type EventType, createEvent, encodeEvent } from '@medlives/events';
import type { OrderOutcome, OrderReservations } from '@medlives/inventory';
import { groupByCompression, topicCompression } from '@medlives/kafka';

export interface InventorySinkOptions {
  readonly reservations: OrderReservations;
  readonly producer: Producer;
  readonly prefix: string;
  readonly registry: Registry;
  readonly logger: Logger;
}

const SOURCE = 'inventory-service';

/**
 * An outcome's event id is derived from what it is about, not drawn at random: a redelivered
 * `order.created` re-publishes the same `stock.reserved` with the same id, which every consumer
 * of inventory-events already de-duplicates (RFC 4122 name-based layout, version 5).
 */
export function derivedEventId(name: string): string {
  const h = createHash('sha1').update(`medlives:${name}`).digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
}

/**
 * Reacts to order facts: `order.created` reserves (all or nothing), a cancellation or a delete
 * before shipping releases, shipping marks the stock as gone. Each outcome is published to
 * inventory-events before the offset commits, so a crash repeats it (same event id) rather than
 * losing it. Events of one order are handled one at a time in this process.
 */
export function createInventorySink(options: InventorySinkOptions): Sink<Envelope> {
  const { reservations, producer, prefix } = options;
  const outcomes = new Counter({ name: 'medlives_inventory_outcomes_total', help: 'Order stock outcomes by kind', labelNames: ['outcome'], registers: [options.registry] });
  const queues = new Map<string, Promise<unknown>>();

  function serialised<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const before = queues.get(key) ?? Promise.resolve();
    const run = before.catch(() => undefined).then(fn);
    queues.set(key, run);
    void run.finally(() => queues.get(key) === run && queues.delete(key)).catch(() => undefined);
    return run;
  }

  /** Decides and publishes in one turn of the order's queue, so its outcomes reach the topic in order. */
  function decide(e: Envelope, orderId: string, fn: () => Promise<OrderOutcome>): Promise<OrderOutcome> {
    return serialised(`${e.tenantCode}/${orderId}`, async () => {
      const outcome = await fn();
      await publish(eventsFor(e, outcome));
      return outcome;
    });
  }

  async function handle(e: Envelope): Promise<OrderOutcome | undefined> {
    const tenant = e.tenantCode;
    const { orderId } = e.data as { orderId: string };
    switch (e.eventType) {
      case 'order.created': {
        const { items } = e.data as { items: { productId: string; quantity: number }[] };
        return decide(e, orderId, () => reservations.reserve(tenant, orderId, items));
      }
      case 'order.deleted':
        return decide(e, orderId, () => reservations.release(tenant, orderId, 'deleted'));
      case 'status.changed': {
        const { newStatus } = e.data as { newStatus: string };
        if (newStatus === 'cancelled') return decide(e, orderId, () => reservations.release(tenant, orderId, 'cancelled'));
        if (newStatus === 'shipped' || newStatus === 'delivered') await serialised(`${tenant}/${orderId}`, () => reservations.markShipped(tenant, orderId));
        return undefined;
      }
      default:
        return undefined;
    }
  }

  function eventsFor(cause: Envelope, outcome: OrderOutcome): Envelope[] {
    if (outcome.kind === 'none') return [];
    const orderId = (cause.data as { orderId: string }).orderId;
    const common = { tenantCode: cause.tenantCode, source: SOURCE, correlationId: cause.correlationId, causationId: cause.eventId, actor: { userId: SOURCE, role: 'service' } };
    const make = <T extends EventType>(eventType: T, name: string, data: unknown) =>
      createEvent({ ...common, eventType, eventId: derivedEventId(`${cause.tenantCode}/${name}/${eventType}`), data } as Parameters<typeof createEvent<T>>[0]) as Envelope;
    const first = outcome.keyProductId;
    switch (outcome.kind) {
      case 'reserved':
        return [
          make('stock.reserved', orderId, { orderId, productId: first, items: outcome.items }),
          ...outcome.low.map((l) => make('stock.low', `${l.productId}/${orderId}`, { productId: l.productId, remaining: l.remaining, threshold: l.threshold })),
        ];
      case 'failed':
        return [make('stock.reservation_failed', orderId, { orderId, productId: first, items: outcome.items })];
      case 'released':
        return outcome.items.length ? [make('stock.released', orderId, { orderId, productId: first, items: outcome.items, reason: outcome.reason })] : [];
    }
  }

  const codecOf = topicCompression(prefix);
  async function publish(events: Envelope[]): Promise<void> {
    if (events.length === 0) return;
    const byTopic = new Map<string, { key: string | null; value: string; headers: Record<string, string> }[]>();
    for (const e of events) {
      const { topic, message } = encodeEvent(e, { prefix });
      byTopic.set(topic, [...(byTopic.get(topic) ?? []), message as never]);
    }
    try {
      await Promise.all(groupByCompression(byTopic, codecOf).map((batch) => producer.sendBatch({ acks: -1, ...batch })));
    } catch (error) {
      throw new AppError('KAFKA_UNAVAILABLE', `publishing inventory outcomes failed: ${(error as Error).message}`, { cause: error });
    }
  }

  return {
    async write(batch: readonly SinkEvent<Envelope>[]) {
      // In partition order (one record at a time in this group's one-by-one mode).
      for (const { value } of batch) {
        const outcome = await handle(value);
        if (!outcome) continue;
        outcomes.inc({ outcome: outcome.kind === 'none' ? 'none' : `${outcome.kind}${outcome.again ? '_again' : ''}` });
      }
    },
  };
}
