import type { OrderStatus } from '@medlives/events';
import type { CustomerData, DeleteFact, Fulfilment, OrderDoc, OrderItemData, PaymentStatus, RejectedTransition, TimelineEntry } from './types';

/** What the API returns for an order: plain JSON, dates as ISO-8601 strings. */
export interface OrderView {
  orderId: string;
  tenantCode: string;
  status: OrderStatus;
  paymentStatus: PaymentStatus | null;
  customer: CustomerData | null;
  items: OrderItemData[];
  totalPrice: number | null;
  orderDate: string | null;
  deliveryDate: string | null;
  deleted: DeleteFact | null;
  timeline: TimelineEntry[];
  rejectedTransitions: RejectedTransition[];
  /** Stock reserved / failed (with the short items and why) / released; null until inventory-service reported. */
  fulfilment: Fulfilment | null;
  /** Increments with every write of the order. */
  version: number;
  persistedAt: string;
  updatedAt: string;
}

const iso = (d: Date | string | null | undefined): string | null => (d ? new Date(d).toISOString() : null);

export function toView(doc: OrderDoc): OrderView {
  return {
    orderId: doc.orderId,
    tenantCode: doc.tenantCode,
    status: doc.status as OrderStatus,
    paymentStatus: doc.paymentStatus ?? null,
    customer: doc.customer ?? null,
    items: doc.items ?? [],
    totalPrice: doc.totalPrice ?? null,
    orderDate: iso(doc.orderDate),
    deliveryDate: iso(doc.deliveryDate),
    deleted: doc.deleted ?? null,
    timeline: doc.timeline ?? [],
    rejectedTransitions: doc.rejectedTransitions ?? [],
    fulfilment: doc.fulfilment ?? null,
    version: doc.rev,
    persistedAt: iso(doc.firstSeenAt) ?? '',
    updatedAt: iso(doc.updatedAt) ?? '',
  };
}
