import type { RecordOrigin } from '@medlives/consumer';
import { AppError } from '@medlives/errors';
import type { Envelope } from '@medlives/events';
import { type CreatedFact, type DeleteFact, type Fulfilment, type StatusFact, type UpdateFact, orderKey } from './types';

/** One event, reduced to the fact the read model keeps. */
export type IncomingFact =
  | { kind: 'created'; fact: CreatedFact }
  | { kind: 'updated'; fact: UpdateFact }
  | { kind: 'deleted'; fact: DeleteFact }
  | { kind: 'status'; fact: StatusFact }
  | { kind: 'fulfilment'; fact: Fulfilment };

export interface KeyedFact {
  readonly key: string;
  readonly tenantCode: string;
  readonly orderId: string;
  readonly incoming: IncomingFact;
  /** Where the event was read; re-deliveries at or below an applied offset are no-ops. */
  readonly origin?: RecordOrigin;
}

/**
 * Envelope → fact. Null for events on our topics that are not about one order (`stock.low`):
 * nothing to do. Any other event type is a permanent error for this read model.
 */
export function factOf(envelope: Envelope, origin?: RecordOrigin): KeyedFact | null {
  const base = { eventId: envelope.eventId, by: envelope.actor.userId };
  const keyed = (orderId: string, incoming: IncomingFact): KeyedFact => ({
    key: orderKey(envelope.tenantCode, orderId),
    tenantCode: envelope.tenantCode,
    orderId,
    incoming,
    ...(origin ? { origin } : {}),
  });
  const stock = { eventId: envelope.eventId, at: envelope.occurredAt };
  switch (envelope.eventType) {
    case 'order.created': {
      const { orderId, tenantCode: _t, ...d } = envelope.data;
      return keyed(orderId, { kind: 'created', fact: { ...base, at: envelope.occurredAt, ...d } });
    }
    case 'order.updated':
      return keyed(envelope.data.orderId, { kind: 'updated', fact: { ...base, at: envelope.occurredAt, changes: envelope.data.changes } });
    case 'order.deleted': {
      const { reason } = envelope.data;
      return keyed(envelope.data.orderId, { kind: 'deleted', fact: { ...base, at: envelope.occurredAt, ...(reason ? { reason } : {}) } });
    }
    case 'status.changed': {
      const d = envelope.data;
      const fact: StatusFact = { eventId: envelope.eventId, at: d.at, by: d.changedBy, claimedFrom: d.oldStatus, to: d.newStatus, ...(d.reason ? { reason: d.reason } : {}) };
      return keyed(d.orderId, { kind: 'status', fact });
    }
    case 'stock.reserved': {
      const items = envelope.data.items.map((i) => ({ productId: i.productId, quantity: i.quantity, remaining: i.remaining }));
      return keyed(envelope.data.orderId, { kind: 'fulfilment', fact: { state: 'reserved', items, ...stock } });
    }
    case 'stock.reservation_failed': {
      const items = envelope.data.items.map((i) => ({ productId: i.productId, quantity: i.requested, available: i.available, reason: i.reason }));
      return keyed(envelope.data.orderId, { kind: 'fulfilment', fact: { state: 'failed', items, ...stock } });
    }
    case 'stock.released': {
      const d = envelope.data;
      const items = d.items.map((i) => ({ productId: i.productId, quantity: i.quantity, remaining: i.remaining }));
      return keyed(d.orderId, { kind: 'fulfilment', fact: { state: 'released', items, reason: d.reason, ...stock } });
    }
    case 'stock.low':
      return null;
    default:
      throw new AppError('UNKNOWN_EVENT_TYPE', `${envelope.eventType} does not belong to the orders read model`, {
        context: { eventId: envelope.eventId },
      });
  }
}
