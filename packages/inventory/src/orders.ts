import type { Collection, Connection } from 'mongoose';
import { AppError } from '@medlives/errors';
import { mongoAppError } from '@medlives/mongo';
import type { InventoryStore, MoveResult } from './products';

export const STOCK_ORDERS_COLLECTION = 'stock_orders';

export interface OrderLine {
  readonly productId: string;
  readonly quantity: number;
}

export interface ReservedLine extends OrderLine {
  readonly remaining: number;
}

export interface ShortLine {
  readonly productId: string;
  readonly requested: number;
  readonly available: number;
  readonly reason: 'insufficient_stock' | 'unknown_product';
}

/**
 * One order's reservation, the unit inventory-service makes all-or-nothing. Its state only moves
 * forward — reserving → reserved | failed, reserved → releasing → released — and `cancelled`
 * marks an order cancelled before its reservation was attempted, so a late `order.created`
 * reserves nothing.
 */
interface StockOrderDoc {
  _id: string;
  tenantCode: string;
  orderId: string;
  state: 'reserving' | 'reserved' | 'failed' | 'releasing' | 'released' | 'cancelled';
  lines: OrderLine[];
  reserved?: ReservedLine[];
  failed?: ShortLine[];
  released?: ReservedLine[];
  releaseReason?: 'cancelled' | 'deleted';
  /** Shipped orders keep their stock when deleted. */
  shipped?: boolean;
  updatedAt: Date;
}

/** What happened to an order; `again` marks an outcome decided by an earlier delivery. */
/** A product this order took under its threshold (`stock.low` is due once per crossing). */
export interface LowStock {
  readonly productId: string;
  readonly remaining: number;
  readonly threshold: number;
}

/** `keyProductId`: the order's first product, the partition key of all its inventory events. */
export type OrderOutcome =
  | { kind: 'reserved'; keyProductId: string; items: ReservedLine[]; low: LowStock[]; again: boolean }
  | { kind: 'failed'; keyProductId: string; items: ShortLine[]; again: boolean }
  | { kind: 'released'; keyProductId: string; items: ReservedLine[]; reason: 'cancelled' | 'deleted'; again: boolean }
  | { kind: 'none'; why: string };

/** Quantities per product: an order may list one product on several lines. */
export function mergeLines(lines: readonly OrderLine[]): OrderLine[] {
  const byProduct = new Map<string, number>();
  for (const l of lines) byProduct.set(l.productId, (byProduct.get(l.productId) ?? 0) + l.quantity);
  return [...byProduct].map(([productId, quantity]) => ({ productId, quantity }));
}

const orderKey = (tenantCode: string, orderId: string) => `${tenantCode}/${orderId}`;
const keyOf = (doc: StockOrderDoc) => doc.lines[0]!.productId;

/**
 * Order-level reservations over the product moves of InventoryStore. Every step is idempotent
 * (each product move is once per order, each state change conditional on the state before), so
 * a redelivered or replayed event re-derives the outcome instead of moving stock again.
 * Callers serialise the events of one order (inventory-service: a per-order queue in the
 * process, key affinity across members on FerretDB).
 */
export class OrderReservations {
  constructor(
    private readonly connection: Connection,
    private readonly store: InventoryStore,
    private readonly onWrite: (collection: string, op: string) => void = () => undefined,
  ) {}

  private get orders(): Collection<StockOrderDoc> {
    return this.connection.collection<StockOrderDoc>(STOCK_ORDERS_COLLECTION);
  }

  async reserve(tenantCode: string, orderId: string, lines: readonly OrderLine[]): Promise<OrderOutcome> {
    const doc = await this.claim({ _id: orderKey(tenantCode, orderId), tenantCode, orderId, state: 'reserving', lines: mergeLines(lines), updatedAt: new Date() });
    switch (doc.state) {
      case 'reserving':
        return this.reserveLines(doc);
      case 'reserved':
        return { kind: 'reserved', keyProductId: keyOf(doc), items: doc.reserved ?? [], low: [], again: true };
      case 'failed':
        await this.rollback(doc); // finish a rollback a crash may have cut short
        return { kind: 'failed', keyProductId: keyOf(doc), items: doc.failed ?? [], again: true };
      default:
        return { kind: 'none', why: `order is ${doc.state}` };
    }
  }

  async release(tenantCode: string, orderId: string, reason: 'cancelled' | 'deleted'): Promise<OrderOutcome> {
    const doc = await this.claim({ _id: orderKey(tenantCode, orderId), tenantCode, orderId, state: 'cancelled', lines: [], releaseReason: reason, updatedAt: new Date() });
    if (doc.state === 'cancelled') return { kind: 'none', why: 'nothing was reserved' };
    if (doc.state === 'reserving') throw new AppError('DB_UNAVAILABLE', `order ${orderId} is being reserved; release after it`);
    if (doc.state === 'released') return { kind: 'released', keyProductId: keyOf(doc), items: doc.released ?? [], reason: doc.releaseReason ?? reason, again: true };
    if (doc.state !== 'reserved' && doc.state !== 'releasing') return { kind: 'none', why: `order is ${doc.state}` };
    if (doc.shipped) return { kind: 'none', why: 'order was shipped' };
    await this.transition(doc, 'releasing', { releaseReason: reason });
    const released = await this.rollback(doc);
    await this.transition({ ...doc, state: 'releasing' }, 'released', { released });
    return { kind: 'released', keyProductId: keyOf(doc), items: released, reason, again: false };
  }

  /** Shipped (or delivered) orders are gone from the shelf: a later delete gives nothing back. */
  async markShipped(tenantCode: string, orderId: string): Promise<void> {
    await this.write('update', () => this.orders.updateOne({ _id: orderKey(tenantCode, orderId) }, { $set: { shipped: true } }));
  }

  private async reserveLines(doc: StockOrderDoc): Promise<OrderOutcome> {
    const reserved: ReservedLine[] = [];
    const failed: ShortLine[] = [];
    const low: LowStock[] = [];
    for (const line of doc.lines) {
      const result = await this.store.reserve(doc.tenantCode, line.productId, doc.orderId, line.quantity);
      const short = shortage(result, line);
      if (short) {
        failed.push(short);
        break; // all or nothing: the rest is not taken at all
      }
      if (result.kind === 'applied' || result.kind === 'repeated') reserved.push({ ...line, remaining: result.product.stock });
      if (result.kind === 'applied' && result.crossedLow) low.push({ productId: line.productId, remaining: result.product.stock, threshold: result.product.lowStockThreshold });
    }
    if (failed.length === 0) {
      await this.transition(doc, 'reserved', { reserved });
      return { kind: 'reserved', keyProductId: keyOf(doc), items: reserved, low, again: false };
    }
    // The outcome is recorded before the rollback, so a crash in between finishes the rollback.
    await this.transition(doc, 'failed', { failed });
    await this.rollback(doc);
    return { kind: 'failed', keyProductId: keyOf(doc), items: failed, again: false };
  }

  /** Releases every line the order holds (lines it never got answer "no reservation"). */
  private async rollback(doc: StockOrderDoc): Promise<ReservedLine[]> {
    const released: ReservedLine[] = [];
    for (const line of doc.lines) {
      const result = await this.store.release(doc.tenantCode, line.productId, doc.orderId, line.quantity);
      if (result.kind === 'applied' || result.kind === 'repeated') released.push({ ...line, remaining: result.product.stock });
    }
    return released;
  }

  /** Inserts the document unless one exists (unique _id); either way returns what is stored. */
  private async claim(doc: StockOrderDoc): Promise<StockOrderDoc> {
    return this.write('claim', async () => {
      try {
        await this.orders.insertOne(doc);
        this.onWrite(STOCK_ORDERS_COLLECTION, 'insert');
        return doc;
      } catch (error) {
        if ((error as { code?: number }).code !== 11000) throw error;
      }
      const existing = await this.orders.findOne({ _id: doc._id });
      if (!existing) throw new AppError('DB_UNAVAILABLE', `order ${doc.orderId} vanished while claimed`);
      return existing;
    });
  }

  private async transition(doc: StockOrderDoc, to: StockOrderDoc['state'], set: Partial<StockOrderDoc>): Promise<void> {
    await this.write('transition', () => this.orders.updateOne({ _id: doc._id, state: doc.state }, { $set: { ...set, state: to, updatedAt: new Date() } }));
    this.onWrite(STOCK_ORDERS_COLLECTION, 'update');
  }

  private async write<T>(op: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      throw mongoAppError(error, { collection: STOCK_ORDERS_COLLECTION, op });
    }
  }
}

function shortage(result: MoveResult, line: OrderLine): ShortLine | undefined {
  switch (result.kind) {
    case 'not-found':
      return { productId: line.productId, requested: line.quantity, available: 0, reason: 'unknown_product' };
    case 'insufficient':
    case 'closed':
      return { productId: line.productId, requested: line.quantity, available: result.product.stock, reason: 'insufficient_stock' };
    default:
      return undefined;
  }
}
