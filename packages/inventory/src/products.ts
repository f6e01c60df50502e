import type { Collection, Connection } from 'mongoose';
import { z } from 'zod';
import { AppError } from '@medlives/errors';
import { Id, NonEmptyText } from '@medlives/events';
import { type MongoServerInfo, mongoAppError } from '@medlives/mongo';
import { DocumentLock, fencedOut } from './document-lock';

export const CreateProductBody = z.strictObject({
  productId: Id.optional(),
  name: NonEmptyText(200),
  stock: z.number().int().nonnegative().max(10_000_000),
  lowStockThreshold: z.number().int().nonnegative().max(10_000_000).default(10),
});
export const StockMoveBody = z.strictObject({ quantity: z.number().int().positive().max(1_000_000), orderId: Id });

export const PRODUCTS_COLLECTION = 'products';
export const RESERVATIONS_COLLECTION = 'stock_reservations';

/** Order ids may contain '.', which a field path cannot: encode them as map keys. */
const slot = (orderId: string) => encodeURIComponent(orderId).replace(/\./g, '%2E');
/** Products are per tenant: the tenant is part of the key, so equal client ids never meet. */
export const productKey = (tenantCode: string, productId: string) => `${tenantCode}/${productId}`;
const reservationKey = (tenantCode: string, productId: string, orderId: string) => `${tenantCode}/${productId}/${orderId}`;

interface PendingMove {
  readonly op: 'reserve' | 'release';
  readonly quantity: number;
}

interface ProductDoc {
  _id: string;
  productId: string;
  tenantCode: string;
  name: string;
  stock: number;
  reserved: number;
  lowStockThreshold: number;
  /** Set when stock fell under the threshold and `stock.low` was due; cleared when it recovers. */
  lowAlerted?: boolean;
  /**
   * Moves applied to `stock` whose reservation record is not written yet, by encoded order id.
   * Only in-flight moves live here (a crash leaves one for the next attempt to finish), so the
   * document stays small however many orders the product has seen.
   */
  pending?: Record<string, PendingMove>;
  /** FerretDB: the fencing token of the last lock holder that wrote (see DocumentLock). */
  fence?: number;
  updatedAt: Date;
}

/** Settled per-order state of one product, outside the hot product document. */
interface ReservationDoc {
  _id: string;
  tenantCode: string;
  productId: string;
  orderId: string;
  quantity: number;
  state: 'reserved' | 'released';
  fence?: number;
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
  | { kind: 'applied'; product: ProductView; crossedLow: boolean }
  | { kind: 'repeated'; product: ProductView }
  | { kind: 'insufficient'; product: ProductView }
  | { kind: 'no-reservation'; product: ProductView }
  | { kind: 'closed'; product: ProductView }
  | { kind: 'quantity-mismatch'; reserved: number; product: ProductView }
  | { kind: 'not-found' };

/**
 * The filter and the update part that make a write fenced: it matches only while no holder with a
 * greater token has written the document, and leaves its own token behind. Without a token (a
 * server with atomic document updates, no lock) it adds nothing.
 */
function fence(token: number | undefined): { filter: Record<string, unknown>; set: Record<string, unknown> } {
  return token === undefined ? { filter: {}, set: {} } : { filter: { fence: { $not: { $gt: token } } }, set: { fence: token } };
}

export type ProductScope = { tenantCode: string } | { admin: true; tenantCode?: string };

function view(doc: ProductDoc): ProductView {
  return {
    productId: doc.productId,
    tenantCode: doc.tenantCode,
    name: doc.name,
    stock: doc.stock,
    reserved: doc.reserved,
    lowStockThreshold: doc.lowStockThreshold,
    low: doc.stock < doc.lowStockThreshold,
  };
}

export interface InventoryStoreOptions {
  /** Counts each database write (the bulk-write metric of MISSION §6). */
  readonly onWrite?: (collection: string, op: string) => void;
  /** FerretDB only: how long a product lock holds before a waiter may take it over. @default 5000 */
  readonly lockLeaseMs?: number;
}

/**
 * The one owner of product data: the API's synchronous reserve / release and inventory-service
 * both move stock through here, with the same guarantees.
 *
 * A move is one conditional update of the product (`stock >= qty` guard, `$inc`, and a pending
 * marker for the order — all in one single-document write, atomic on MongoDB), then the settled
 * state goes to a reservation record and the marker is removed. The marker makes the move
 * exactly-once: a crash between the two writes leaves it, and the next attempt for that order
 * finishes the move instead of applying it again.
 * On a server without atomic document updates (FerretDB v1, detected at init) each move also
 * holds a per-product DocumentLock, and every write of the move carries the lock's fencing token:
 * a holder that stalled past its lease finds its writes matching nothing and fails retriably
 * instead of moving stock a second time. On MongoDB the lock is skipped (each write is atomic).
 * What is left on FerretDB: it runs an update's filter and its write as two statements, so the
 * token check is exact between commands, not inside one (see the README's Reliability section).
 */
export class InventoryStore {
  private readonly lock: DocumentLock;
  private readonly local = new Map<string, Promise<unknown>>();
  private needsLock = true;

  constructor(
    private readonly connection: Connection,
    private readonly options: InventoryStoreOptions = {},
  ) {
    this.lock = new DocumentLock(connection, options.lockLeaseMs);
  }

  get products(): Collection<ProductDoc> {
    return this.connection.collection<ProductDoc>(PRODUCTS_COLLECTION);
  }

  private get reservations(): Collection<ReservationDoc> {
    return this.connection.collection<ReservationDoc>(RESERVATIONS_COLLECTION);
  }

  init(server: Pick<MongoServerInfo, 'atomicDocumentUpdates'>): void {
    this.needsLock = !server.atomicDocumentUpdates;
  }

  private wrote(collection: string, op: string): void {
    this.options.onWrite?.(collection, op);
  }

  private async guarded<T>(op: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      throw mongoAppError(error, { collection: PRODUCTS_COLLECTION, op });
    }
  }

  private exclusive<T>(tenantCode: string, productId: string, op: string, fn: (token?: number) => Promise<T>): Promise<T> {
    if (!this.needsLock) return this.guarded(op, () => fn());
    // Moves of one product queue in this process first, so only one of them per replica polls
    // the database lock (polling is load on the server the holder is waiting for).
    const key = productKey(tenantCode, productId);
    const before = this.local.get(key) ?? Promise.resolve();
    // The lock's own reads and writes are database calls too: an outage there is retriable, never poison.
    const turn = before.catch(() => undefined).then(() => this.guarded(op, () => this.lock.withLock(`product:${key}`, (grant) => fn(grant.token))));
    this.local.set(key, turn);
    void turn.catch(() => undefined).finally(() => this.local.get(key) === turn && this.local.delete(key));
    return turn;
  }

  /** Creates the product; undefined when this tenant already has one with the id. */
  async create(tenantCode: string, input: { productId: string; name: string; stock: number; lowStockThreshold: number }): Promise<ProductView | undefined> {
    const doc: ProductDoc = {
      _id: productKey(tenantCode, input.productId),
      productId: input.productId,
      tenantCode,
      name: input.name,
      stock: input.stock,
      reserved: 0,
      lowStockThreshold: input.lowStockThreshold,
      pending: {},
      updatedAt: new Date(),
    };
    return this.guarded('create', async () => {
      try {
        await this.products.insertOne(doc);
        this.wrote(PRODUCTS_COLLECTION, 'insert');
        return view(doc);
      } catch (error) {
        if ((error as { code?: number }).code === 11000) return undefined;
        throw error;
      }
    });
  }

  /** A tenant reads its own products; an admin names the tenant or gets the first match. */
  async get(scope: ProductScope, productId: string): Promise<ProductView | undefined> {
    return this.guarded('get', async () => {
      const doc = scope.tenantCode
        ? await this.products.findOne({ _id: productKey(scope.tenantCode, productId) })
        : await this.products.findOne({ productId });
      return doc ? view(doc) : undefined;
    });
  }

  reserve(tenantCode: string, productId: string, orderId: string, quantity: number): Promise<MoveResult> {
    return this.attempt({ op: 'reserve', quantity }, tenantCode, productId, orderId);
  }

  release(tenantCode: string, productId: string, orderId: string, quantity: number): Promise<MoveResult> {
    return this.attempt({ op: 'release', quantity }, tenantCode, productId, orderId);
  }

  /**
   * A move that would be refused as things stand (no stock, already done, unknown product) is
   * answered from a read without the lock: under contention most requests are refusals, and
   * queueing them behind the lock only delays everyone. Moves that may apply take the lock and
   * check again inside it.
   */
  private async attempt(wanted: PendingMove, tenantCode: string, productId: string, orderId: string): Promise<MoveResult> {
    if (this.needsLock) {
      const early = await this.guarded('precheck', () => this.precheck(wanted, tenantCode, productId, orderId));
      if (early) return early;
    }
    return this.exclusive(tenantCode, productId, wanted.op, (token) => this.move(wanted, tenantCode, productId, orderId, token));
  }

  private async precheck(wanted: PendingMove, tenantCode: string, productId: string, orderId: string): Promise<MoveResult | undefined> {
    const product = await this.products.findOne({ _id: productKey(tenantCode, productId) });
    if (!product) return { kind: 'not-found' };
    if (product.pending?.[slot(orderId)]) return undefined; // an unfinished move: finish it under the lock
    const record = await this.reservations.findOne({ _id: reservationKey(tenantCode, productId, orderId) });
    return this.refusal(wanted, record, product);
  }

  private async move(wanted: PendingMove, tenantCode: string, productId: string, orderId: string, token?: number): Promise<MoveResult> {
    const key = productKey(tenantCode, productId);
    const s = slot(orderId);
    let product = await this.products.findOne({ _id: key });
    if (!product) return { kind: 'not-found' };
    const unfinished = product.pending?.[s];
    if (unfinished) {
      // An earlier attempt applied its $inc and stopped: finish it, never apply it twice.
      product = await this.settle(product, unfinished, tenantCode, productId, orderId, token);
      if (unfinished.op === wanted.op) return { kind: 'repeated', product: view(product) };
    }
    const record = await this.reservations.findOne({ _id: reservationKey(tenantCode, productId, orderId) });
    const refusal = this.refusal(wanted, record, product);
    if (refusal) return refusal;
    const sign = wanted.op === 'reserve' ? -1 : 1;
    const fenced = fence(token);
    const updated = await this.products.findOneAndUpdate(
      { _id: key, [`pending.${s}`]: { $exists: false }, ...(wanted.op === 'reserve' ? { stock: { $gte: wanted.quantity } } : {}), ...fenced.filter },
      { $inc: { stock: sign * wanted.quantity, reserved: -sign * wanted.quantity }, $set: { [`pending.${s}`]: wanted, updatedAt: new Date(), ...fenced.set } },
      { returnDocument: 'after' },
    );
    this.wrote(PRODUCTS_COLLECTION, 'update');
    if (!updated) {
      // Lost a race (stock taken, or the same order's move ran concurrently): explain from now.
      const current = await this.products.findOne({ _id: key });
      if (!current) return { kind: 'not-found' };
      this.checkFence(current, token);
      if (current.pending?.[s]?.op === wanted.op) return { kind: 'repeated', product: view(await this.settle(current, current.pending[s]!, tenantCode, productId, orderId, token)) };
      if (current.pending?.[s]) throw new AppError('DB_UNAVAILABLE', `a ${current.pending[s]!.op} of ${productId} for order ${orderId} is in flight`);
      return { kind: 'insufficient', product: view(current) };
    }
    const crossedLow = await this.flagLow(updated, token);
    const settled = await this.settle(updated, wanted, tenantCode, productId, orderId, token);
    return { kind: 'applied', product: view(settled), crossedLow };
  }

  private refusal(wanted: PendingMove, record: ReservationDoc | null, product: ProductDoc): MoveResult | undefined {
    const current = view(product);
    if (wanted.op === 'reserve') {
      if (record?.state === 'reserved') return { kind: 'repeated', product: current };
      // A late duplicate of a reserve must not re-reserve what the order already gave back.
      if (record?.state === 'released') return { kind: 'closed', product: current };
      return product.stock < wanted.quantity ? { kind: 'insufficient', product: current } : undefined;
    }
    if (!record) return { kind: 'no-reservation', product: current };
    if (record.state === 'released') return { kind: 'repeated', product: current };
    if (record.quantity !== wanted.quantity) return { kind: 'quantity-mismatch', reserved: record.quantity, product: current };
    return undefined;
  }

  /** A holder whose token is older than the document's last writer was taken over. */
  private checkFence(doc: { _id: string; fence?: number }, token: number | undefined): void {
    if (token !== undefined && (doc.fence ?? 0) > token) throw fencedOut(doc._id, token, doc.fence!);
  }

  /** Writes the settled state of a move whose $inc is applied, then drops its pending marker. */
  private async settle(product: ProductDoc, move: PendingMove, tenantCode: string, productId: string, orderId: string, token?: number): Promise<ProductDoc> {
    const now = new Date();
    const fenced = fence(token);
    const id = reservationKey(tenantCode, productId, orderId);
    try {
      await this.reservations.updateOne(
        { _id: id, ...fenced.filter },
        { $set: { tenantCode, productId, orderId, quantity: move.quantity, state: move.op === 'reserve' ? 'reserved' : 'released', updatedAt: now, ...fenced.set } },
        { upsert: true },
      );
    } catch (error) {
      // The filter missed a record a newer holder wrote, so the upsert collided with its _id.
      if ((error as { code?: number }).code !== 11000) throw error;
      const record = await this.reservations.findOne({ _id: id });
      if (record) this.checkFence(record, token);
      throw error;
    }
    this.wrote(RESERVATIONS_COLLECTION, 'upsert');
    const done = await this.products.findOneAndUpdate(
      { _id: product._id, ...fenced.filter },
      { $unset: { [`pending.${slot(orderId)}`]: '' }, ...(token === undefined ? {} : { $set: fenced.set }) },
      { returnDocument: 'after' },
    );
    this.wrote(PRODUCTS_COLLECTION, 'update');
    if (!done && token !== undefined) {
      const current = await this.products.findOne({ _id: product._id });
      if (current) this.checkFence(current, token);
    }
    return done ?? product;
  }

  /**
   * `stock.low` is due once per crossing: the flag is set by the move that took stock under the
   * threshold and cleared by one that brought it back, each a conditional update.
   */
  private async flagLow(doc: ProductDoc, token?: number): Promise<boolean> {
    const low = doc.stock < doc.lowStockThreshold;
    if (low === Boolean(doc.lowAlerted)) return false;
    const fenced = fence(token);
    const flipped = await this.products.updateOne({ _id: doc._id, lowAlerted: low ? { $ne: true } : true, ...fenced.filter }, { $set: { lowAlerted: low, ...fenced.set } });
    this.wrote(PRODUCTS_COLLECTION, 'update');
    return low && flipped.modifiedCount === 1;
  }
}
