import { Counter, type Registry } from 'prom-client';
import type { Sink, SinkEvent } from '@medlives/consumer';
import type { Envelope } from '@medlives/events';
import type { PositionStore } from './store/positions';

/**
 * One location at a time, in partition order (the topic is keyed by courier, so a courier's
 * positions arrive in the order sent). The store keeps only the newest per order; replays and
 * late records come back `stale` and change nothing, so redelivery is harmless.
 */
export function createPositionSink(store: PositionStore, registry: Registry): Sink<Envelope> {
  const outcomes = new Counter({ name: 'medlives_delivery_positions_total', help: 'Courier locations by outcome (stored, or stale: older than the stored one)', labelNames: ['outcome'], registers: [registry] });
  return {
    async write(batch: readonly SinkEvent<Envelope>[]) {
      for (const { value } of batch) {
        if (value.eventType !== 'delivery.location.update') continue;
        const outcome = await store.record({ tenantCode: value.tenantCode, eventId: value.eventId, data: value.data });
        outcomes.inc({ outcome });
      }
    },
  };
}
