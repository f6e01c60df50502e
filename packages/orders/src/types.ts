import type { Customer, OrderItem, OrderStatus, PaymentStatus as PaymentStatusSchema } from '@medlives/events';
import type { z } from 'zod';

/**
 * The `orders` read model. Each document keeps the facts it was built from (every event applied,
 * once, by id) next to the state derived from them, so replays are no-ops, events may arrive in
 * any order across topics, and the derived state can always be recomputed (see fold.ts).
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

export interface OrderFacts {
  /** More than one only when a creation was published twice; the earliest wins. */
  created: CreatedFact[];
  updates: UpdateFact[];
  deletes: DeleteFact[];
  /** In arrival order, which is the status-updates partition order for the tenant. */
  status: StatusFact[];
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
  timeline: TimelineEntry[];
  rejectedTransitions: RejectedTransition[];
  /** Status changes waiting for the creation to arrive. */
  parkedStatusChanges: number;
  facts: OrderFacts;
  appliedEventIds: string[];
  firstSeenAt: Date;
  updatedAt: Date;
}

export function orderKey(tenantCode: string, orderId: string): string {
  return `${tenantCode}/${orderId}`;
}
