import mongoose, { type Connection, type Model } from 'mongoose';
import { z } from 'zod';
import { Id, NonEmptyText } from '@medlives/events';
import type { MongoServerInfo } from '@medlives/mongo';
import type { ApiMetrics } from '../http/metrics';
import { DocumentLock } from './document-lock';

export const CreateProductBody = z.strictObject({
  productId: Id.optional(),
  name: NonEmptyText(200),
  stock: z.number().int().nonnegative().max(10_000_000),
  lowStockThreshold: z.number().int().nonnegative().max(10_000_000).default(10),
});
export const StockMoveBody = z.strictObject({ quantity: z.number().int().positive().max(1_000_000), orderId: Id });

/** Order ids may contain '.', which a field path cannot: encode them as map keys. */
const slot = (orderId: string) => encodeURIComponent(orderId).replace(/\./g, '%2E');

interface ProductDoc {
  _id: string;
  tenantCode: string;
  name: string;
  stock: number;
  lowStockThreshold: number;
  /** Reserved quantity by encoded order id. */
  reservations: Record<string, number>;
  /** Orders whose reservation was released: a repeated release is recognised, not re-applied. */
  released: Record<string, boolean>;
  updatedAt: Date;
}

export interface ProductView {
  productId: string;
  tenantCode: string;
  name: string;
  stock: number;
  reserved: number;
  lowStockThreshold: number;
  low: boolean;
}

export type MoveResult =
  | { kind: 'applied'; product: ProductView }
  | { kind: 'repeated'; product: ProductView }
  | { kind: 'insufficient'; product: ProductView }
  | { kind: 'no-reservation'; product: ProductView }
  | { kind: 'closed'; product: ProductView }
  | { kind: 'quantity-mismatch'; reserved: number; product: ProductView }
  | { kind: 'not-found' };

function view(doc: ProductDoc): ProductView {
  return {
    productId: doc._id,
    tenantCode: doc.tenantCode,
    name: doc.name,
    stock: doc.stock,
    reserved: Object.values(doc.reservations ?? {}).reduce((n, q) => n + q, 0),
    lowStockThreshold: doc.lowStockThreshold,
    low: doc.stock < doc.lowStockThreshold,
  };
}

/**
 * Stock in MongoDB, changed only by single-document conditional updates: the guard
 * (`stock >= qty`, reservation absent/present) and the `$inc` happen atomically, so stock never
 * goes negative and a repeated reserve/release for one order is not applied twice, without
 * transactions (which a single document does not need).
 * On a server without atomic document updates (FerretDB v1, detected at start) each change also
 * holds a per-product DocumentLock; on MongoDB the lock is skipped.
 */
export class ProductStore {
  private readonly model: Model<ProductDoc>;
  private readonly lock: DocumentLock;
  /** Set by `init` from the detected server. */
  needsLock = true;

  constructor(connection: Connection, private readonly metrics: ApiMetrics) {
    this.lock = new DocumentLock(connection);
    const schema = new mongoose.Schema<ProductDoc>(
      {
        _id: String,
        tenantCode: { type: String, required: true, index: true },
        name: { type: String, required: true },
        stock: { type: Number, required: true, min: 0 },
        lowStockThreshold: { type: Number, required: true },
        reservations: { type: Object, default: {} },
        released: { type: Object, default: {} },
        updatedAt: Date,
      },
      { versionKey: false },
    );
    this.model = connection.model<ProductDoc>('Product', schema, 'products');
  }

  async init(server: MongoServerInfo): Promise<void> {
    this.needsLock = !server.atomicDocumentUpdates;
  }

  private exclusive<T>(productId: string, fn: () => Promise<T>): Promise<T> {
    return this.needsLock ? this.lock.withLock(`product:${productId}`, fn) : fn();
  }

  private counted(op: string): void {
    this.metrics.mongoWrites.inc({ collection: 'products', op });
  }

  /** Creates the product; false when the id is taken. */
  async create(tenantCode: string, input: { productId: string; name: string; stock: number; lowStockThreshold: number }): Promise<ProductView | undefined> {
    try {
      const doc = await this.model.create({ _id: input.productId, tenantCode, name: input.name, stock: input.stock, lowStockThreshold: input.lowStockThreshold, reservations: {}, released: {}, updatedAt: new Date() });
      this.counted('insert');
      return view(doc.toObject());
    } catch (error) {
      if ((error as { code?: number }).code === 11000) return undefined;
      throw error;
    }
  }

  async get(scope: { tenantCode: string } | { admin: true }, productId: string): Promise<ProductView | undefined> {
    const filter = 'admin' in scope ? { _id: productId } : { _id: productId, tenantCode: scope.tenantCode };
    const doc = await this.model.findOne(filter).lean();
    return doc ? view(doc) : undefined;
  }

  reserve(tenantCode: string, productId: string, orderId: string, quantity: number): Promise<MoveResult> {
    return this.exclusive(productId, () => this.reserveNow(tenantCode, productId, orderId, quantity));
  }

  release(tenantCode: string, productId: string, orderId: string, quantity: number): Promise<MoveResult> {
    return this.exclusive(productId, () => this.releaseNow(tenantCode, productId, orderId, quantity));
  }

  private async reserveNow(tenantCode: string, productId: string, orderId: string, quantity: number): Promise<MoveResult> {
    const updated = await this.model
      .findOneAndUpdate(
        { _id: productId, tenantCode, stock: { $gte: quantity }, [`reservations.${slot(orderId)}`]: { $exists: false }, [`released.${slot(orderId)}`]: { $exists: false } },
        { $inc: { stock: -quantity }, $set: { [`reservations.${slot(orderId)}`]: quantity, updatedAt: new Date() } },
        { new: true },
      )
      .lean();
    return this.outcome(updated, productId, tenantCode, (current) => this.whyNotReserved(current, orderId));
  }

  /** Applied, or — the guarded update matched nothing — why not, from the document as it is now. */
  private async outcome(updated: ProductDoc | null, productId: string, tenantCode: string, explain: (current: ProductDoc) => MoveResult): Promise<MoveResult> {
    this.counted('update');
    if (updated) return { kind: 'applied', product: view(updated) };
    const current = await this.model.findOne({ _id: productId, tenantCode }).lean();
    return current ? explain(current) : { kind: 'not-found' };
  }

  private whyNotReserved(current: ProductDoc, orderId: string): MoveResult {
    if (current.reservations?.[slot(orderId)] !== undefined) return { kind: 'repeated', product: view(current) };
    // A late duplicate of a reserve must not re-reserve what the order already gave back.
    if (current.released?.[slot(orderId)]) return { kind: 'closed', product: view(current) };
    return { kind: 'insufficient', product: view(current) };
  }

  private async releaseNow(tenantCode: string, productId: string, orderId: string, quantity: number): Promise<MoveResult> {
    const updated = await this.model
      .findOneAndUpdate(
        { _id: productId, tenantCode, [`reservations.${slot(orderId)}`]: quantity },
        {
          $inc: { stock: quantity },
          $unset: { [`reservations.${slot(orderId)}`]: '' },
          $set: { [`released.${slot(orderId)}`]: true, updatedAt: new Date() },
        },
        { new: true },
      )
      .lean();
    return this.outcome(updated, productId, tenantCode, (current) => this.whyNotReleased(current, orderId));
  }

  private whyNotReleased(current: ProductDoc, orderId: string): MoveResult {
    const reserved = current.reservations?.[slot(orderId)];
    if (reserved !== undefined) return { kind: 'quantity-mismatch', reserved, product: view(current) };
    if (current.released?.[slot(orderId)]) return { kind: 'repeated', product: view(current) };
    return { kind: 'no-reservation', product: view(current) };
  }
}
