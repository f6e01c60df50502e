import { type Collection, type Connection, type Model, Schema, type SchemaDefinition } from 'mongoose';
import { ORDER_STATUSES } from '@medlives/events';
import type { StoreDialect } from '@medlives/mongo';
import type { OrderDoc } from './types';

export const ORDERS_COLLECTION = 'orders';
const PAYMENT_STATUSES = ['unpaid', 'paid', 'credit', 'refunded'];

const sub = (shape: SchemaDefinition) => new Schema(shape, { _id: false, versionKey: false });
const Customer = sub({ name: String, phone: String, email: String });
const Item = sub({ productId: String, medication: String, quantity: Number, unitPrice: Number });
const Timeline = sub({ eventId: String, from: String, to: String, by: String, at: String, reason: String });
const Rejected = sub({
  eventId: String,
  from: String,
  to: String,
  claimedFrom: String,
  by: String,
  at: String,
  reason: String,
  rejectedBecause: { type: String, enum: ['illegal-transition', 'order-deleted'] },
});
const Deleted = sub({ eventId: String, at: String, by: String, reason: String });
const FulfilmentItem = sub({ productId: String, quantity: Number, remaining: Number, available: Number, reason: String });
const Fulfilment = sub({
  state: { type: String, enum: ['reserved', 'failed', 'released'] },
  items: [FulfilmentItem],
  reason: String,
  eventId: String,
  at: String,
});
const Position = sub({ topic: String, partition: Number, offset: String });

/**
 * The shape of `orders` documents and their indexes. The consumer writes through the native
 * collection (bulk, no casting, no command buffering while the database is down); the schema is
 * the contract and the index definition.
 */
export const OrderSchema = new Schema<OrderDoc>(
  {
    _id: { type: String, required: true },
    tenantCode: { type: String, required: true },
    orderId: { type: String, required: true },
    rev: { type: Number, required: true },
    created: { type: Boolean, required: true },
    status: { type: String, enum: [...ORDER_STATUSES, null] },
    paymentStatus: { type: String, enum: [...PAYMENT_STATUSES, null] },
    customer: Customer,
    items: [Item],
    totalPrice: Number,
    orderDate: Date,
    deliveryDate: Date,
    deleted: Deleted,
    timeline: [Timeline],
    rejectedTransitions: [Rejected],
    rejectedTotal: Number,
    fulfilment: Fulfilment,
    /** Facts waiting for the creation, see types.ts. */
    parked: Schema.Types.Mixed,
    parkedStatusChanges: Number,
    positions: [Position],
    appliedEventIds: [String],
    firstSeenAt: Date,
    updatedAt: Date,
  },
  { collection: ORDERS_COLLECTION, versionKey: false, autoIndex: false, autoCreate: false, minimize: false },
);

// Tenant lists by status and date, newest first, paged by (orderDate, _id).
OrderSchema.index({ tenantCode: 1, status: 1, orderDate: -1, _id: -1 }, { name: 'tenant_status_date' });
OrderSchema.index({ tenantCode: 1, orderDate: -1, _id: -1 }, { name: 'tenant_date' });
// Admin reads: an order by id across tenants, and cross-tenant lists.
OrderSchema.index({ orderId: 1 }, { name: 'order_id' });
OrderSchema.index({ status: 1, orderDate: -1, _id: -1 }, { name: 'status_date' });

export function orderModel(conn: Connection): Model<OrderDoc> {
  return (conn.models.Order as Model<OrderDoc> | undefined) ?? conn.model<OrderDoc>('Order', OrderSchema);
}

export function ordersCollection(conn: Connection): Collection<OrderDoc> {
  return orderModel(conn).collection as unknown as Collection<OrderDoc>;
}

/** Creates the collection's indexes (idempotent); run once at start by the writer. */
export async function ensureOrderIndexes(conn: Connection, dialect: Pick<StoreDialect, 'secondaryIndexes'>): Promise<void> {
  if (dialect.secondaryIndexes) await orderModel(conn).createIndexes();
}
