import { z } from 'zod';
import { Id, Money, NonEmptyText, Phone, TenantCode, Timestamp, nonEmptyPatch } from './common';

export const ORDER_STATUSES = ['pending', 'paid', 'credit', 'processing', 'shipped', 'delivered', 'cancelled'] as const;
export const OrderStatus = z.enum(ORDER_STATUSES);
export type OrderStatus = z.infer<typeof OrderStatus>;

/** MISSION §3 status machine. Terminal states have no outgoing edge. */
export const STATUS_TRANSITIONS: Readonly<Record<OrderStatus, readonly OrderStatus[]>> = Object.freeze({
  pending: ['paid', 'credit', 'cancelled'],
  credit: ['paid', 'cancelled'],
  paid: ['processing', 'cancelled'],
  processing: ['shipped', 'cancelled'],
  shipped: ['delivered'],
  delivered: [],
  cancelled: [],
});

export function canTransition(from: OrderStatus, to: OrderStatus): boolean {
  return STATUS_TRANSITIONS[from].includes(to);
}

export const PaymentStatus = z.enum(['unpaid', 'paid', 'credit', 'refunded']);

export const OrderItem = z.strictObject({
  productId: Id,
  medication: NonEmptyText(200),
  quantity: z.number().int().positive().max(10_000),
  unitPrice: Money,
});

export const Customer = z.strictObject({
  name: NonEmptyText(200),
  phone: Phone,
  email: z.email().optional(),
});

const CENT = 0.005;

function totalMatches(items: readonly z.infer<typeof OrderItem>[], total: number): boolean {
  const sum = items.reduce((acc, i) => acc + i.quantity * i.unitPrice, 0);
  return Math.abs(sum - total) <= CENT * Math.max(1, items.length);
}

export const OrderCreatedData = z
  .strictObject({
    orderId: Id,
    tenantCode: TenantCode,
    customer: Customer,
    items: z.array(OrderItem).min(1).max(200),
    totalPrice: Money,
    status: OrderStatus.default('pending'),
    paymentStatus: PaymentStatus.default('unpaid'),
    orderDate: Timestamp,
    deliveryDate: Timestamp.optional(),
  })
  .superRefine((o, ctx) => {
    if (!totalMatches(o.items, o.totalPrice)) {
      ctx.addIssue({ code: 'custom', path: ['totalPrice'], message: 'must equal the sum of quantity × unitPrice' });
    }
    if (o.deliveryDate && o.deliveryDate < o.orderDate) {
      ctx.addIssue({ code: 'custom', path: ['deliveryDate'], message: 'must not be before orderDate' });
    }
  });

export const OrderUpdatedData = z
  .strictObject({
    orderId: Id,
    tenantCode: TenantCode,
    changes: nonEmptyPatch({
      customer: Customer,
      items: z.array(OrderItem).min(1).max(200),
      totalPrice: Money,
      paymentStatus: PaymentStatus,
      deliveryDate: Timestamp,
    }),
  })
  .superRefine((o, ctx) => {
    const { items, totalPrice } = o.changes;
    if ((items === undefined) !== (totalPrice === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['changes', items ? 'totalPrice' : 'items'], message: 'items and totalPrice change together' });
    } else if (items && totalPrice !== undefined && !totalMatches(items, totalPrice)) {
      ctx.addIssue({ code: 'custom', path: ['changes', 'totalPrice'], message: 'must equal the sum of quantity × unitPrice' });
    }
  });

export const OrderDeletedData = z.strictObject({
  orderId: Id,
  tenantCode: TenantCode,
  reason: NonEmptyText(500).optional(),
});

export const StatusChangedData = z
  .strictObject({
    orderId: Id,
    tenantCode: TenantCode,
    /** Null when the publisher did not know the current status; the consumer checks the machine. */
    oldStatus: OrderStatus.nullable(),
    newStatus: OrderStatus,
    changedBy: NonEmptyText(128),
    reason: NonEmptyText(500).optional(),
    at: Timestamp,
  })
  .superRefine((s, ctx) => {
    if (s.oldStatus !== null && !canTransition(s.oldStatus, s.newStatus)) {
      ctx.addIssue({ code: 'custom', path: ['newStatus'], message: `illegal transition ${s.oldStatus} -> ${s.newStatus}` });
    }
  });

export type OrderCreatedData = z.infer<typeof OrderCreatedData>;
export type OrderUpdatedData = z.infer<typeof OrderUpdatedData>;
export type OrderDeletedData = z.infer<typeof OrderDeletedData>;
export type StatusChangedData = z.infer<typeof StatusChangedData>;
