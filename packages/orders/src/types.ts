import type { Customer, OrderItem, OrderStatus, PaymentStatus as PaymentStatusSchema } from '@medlives/events';
import type { z } from 'zod';

/**
 * The `orders` read model. Each document is the state folded from its events in partition order
 * plus bounded bookkeeping (issue 12 holes 5 and 7): the last applied offset per partition and a
 * window of recent event ids make replays no-ops; facts that need the creation first are parked.
 * Nothing grows with the number of events an order receives (see fold.ts).
 */
export type CustomerData = z.infer<typeof Customer>;
export type OrderItemData = z.infer<typeof OrderItem>;
export type PaymentStatus = z.infer<typeof PaymentStatusSchema>;

export interface CreatedFact {
  readonly eventId: string;
  /** Envelope occurredAt (ISO-8601). */
  readonly at: string;
  readonly by: string;
  readonly customer: CustomerData;
  readonly items: OrderItemData[];
  readonly totalPrice: number;
  readonly status: OrderStatus;
  readonly paymentStatus: PaymentStatus;
  readonly orderDate: string;
  readonly deliveryDate?: string;
}

export interface UpdateFact {
  readonly eventId: string;
  readonly at: string;
  readonly by: string;
  readonly changes: Partial<Pick<CreatedFact, 'customer' | 'items' | 'totalPrice' | 'paymentStatus' | 'deliveryDate'>>;
}

export interface DeleteFact {
  readonly eventId: string;
  readonly at: string;
  readonly by: string;
  readonly reason?: string;
}

export interface StatusFact {
  readonly eventId: string;
  /** status.changed `at`. */
  readonly at: string;
  readonly by: string;
  /** What the publisher believed the status was; null when it did not know. */
  readonly claimedFrom: OrderStatus | null;
  readonly to: OrderStatus;
  readonly reason?: string;
}

export interface TimelineEntry {
  eventId: string;
  from: OrderStatus | null;
  to: OrderStatus;
  by: string;
  at: string;
  reason?: string;
}

export type RejectionReason = 'illegal-transition' | 'order-deleted';

export interface RejectedTransition {
  eventId: string;
  /** The status the order had when the change was evaluated. */
  from: OrderStatus;
  to: OrderStatus;
  claimedFrom: OrderStatus | null;
  by: string;
  at: string;
  reason?: string;
  rejectedBecause: RejectionReason;
}

/** What inventory-service reported for the order's stock (MISSION §2, issue 8 §3). */
export type FulfilmentState = 'reserved' | 'failed' | 'released';

export interface FulfilmentItem {
  productId: string;
  /** Reserved or released quantity; for a failed item, what was requested. */
  quantity: number;
  /** Stock left after a reservation or release. */
  remaining?: number;
  /** Failed items: what was available and why it could not be reserved. */
  available?: number;
  reason?: 'insufficient_stock' | 'unknown_product';
}

export interface Fulfilment {
  state: FulfilmentState;
  items: FulfilmentItem[];
  /** Why stock was released (cancelled / deleted). */
  reason?: 'cancelled' | 'deleted';
  eventId: string;
  /** Envelope occurredAt of the inventory event. */
  at: string;
}

/** An order fact that arrived before the creation; applied, in arrival order, once it lands. */
export type ParkedFact = { kind: 'updated'; fact: UpdateFact } | { kind: 'deleted'; fact: DeleteFact } | { kind: 'status'; fact: StatusFact };

/** The last offset applied from one partition: anything at or below it is a re-delivery. */
export interface AppliedPosition {
  topic: string;
  partition: number;
  offset: string;
}

export interface OrderDoc {
  /** `${tenantCode}/${orderId}`: neither part may contain a slash. */
  _id: string;
  tenantCode: string;
  orderId: string;
  /** Incremented by every write; the optimistic-concurrency guard. */
  rev: number;
  /** False while only events that need the creation (parked status changes...) have arrived. */
  created: boolean;
  status: OrderStatus | null;
  paymentStatus: PaymentStatus | null;
  customer: CustomerData | null;
  items: OrderItemData[];
  totalPrice: number | null;
  orderDate: Date | null;
  deliveryDate: Date | null;
  deleted: DeleteFact | null;
  /** Bounded by the status machine: it has no cycle, so at most 6 entries. */
  timeline: TimelineEntry[];
  /** The most recent rejections (MAX_REJECTIONS); `rejectedTotal` counts them all. */
  rejectedTransitions: RejectedTransition[];
  rejectedTotal: number;
  /** Null until inventory-service reported on the order (may be set before the creation lands). */
  fulfilment: Fulfilment | null;
  /** Facts waiting for the creation, at most MAX_PARKED. */
  parked: ParkedFact[];
  /** Status changes among `parked`. */
  parkedStatusChanges: number;
  /** Per partition, the last offset applied to this order. */
  positions: AppliedPosition[];
  /** The most recent applied event ids (RECENT_EVENT_IDS): duplicates published at a new offset. */
  appliedEventIds: string[];
  firstSeenAt: Date;
  updatedAt: Date;
}

export function orderKey(tenantCode: string, orderId: string): string {
  return `${tenantCode}/${orderId}`;
}
