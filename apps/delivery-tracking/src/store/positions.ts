import type { Collection, Connection } from 'mongoose';
import type { Logger } from 'pino';
import { type MongoServerInfo, mongoAppError } from '@medlives/mongo';

export const POSITIONS_COLLECTION = 'delivery_positions';
export const DAY_MS = 24 * 60 * 60 * 1000;

/** The latest known position of one order's delivery (one document per tenant and order). */
export interface PositionDoc {
  /** `<tenantCode>/<orderId>`: orders are per tenant. */
  _id: string;
  tenantCode: string;
  orderId: string;
  deliveryBoyId: string;
  lat: number;
  lng: number;
  /** The courier's timestamp: a newer one wins, an older one never replaces it. */
  at: Date;
  speed?: number;
  heading?: number;
  eta?: string;
  device?: Record<string, unknown>;
  eventId: string;
  receivedAt: Date;
  /** `at` + the TTL: a TTL index removes it on MongoDB, the sweep on FerretDB; reads ignore it after. */
  expiresAt: Date;
}

/** What the API shows of a position (and pushes on the SSE stream). */
export interface PositionView {
  orderId: string;
  tenantCode: string;
  deliveryBoyId: string;
  lat: number;
  lng: number;
  at: string;
  speed?: number;
  heading?: number;
  eta?: string;
  eventId: string;
}

export interface PositionInput {
  tenantCode: string;
  eventId: string;
  data: { orderId: string; deliveryBoyId: string; lat: number; lng: number; at: string; speed?: number; heading?: number; eta?: string; device?: Record<string, unknown> };
}

export type RecordOutcome = 'stored' | 'stale';

export function positionKey(tenantCode: string, orderId: string): string {
  return `${tenantCode}/${orderId}`;
}

export function toView(doc: Pick<PositionDoc, 'orderId' | 'tenantCode' | 'deliveryBoyId' | 'lat' | 'lng' | 'at' | 'speed' | 'heading' | 'eta' | 'eventId'>): PositionView {
  return {
    orderId: doc.orderId,
    tenantCode: doc.tenantCode,
    deliveryBoyId: doc.deliveryBoyId,
    lat: doc.lat,
    lng: doc.lng,
    at: doc.at.toISOString(),
    ...(doc.speed === undefined ? {} : { speed: doc.speed }),
    ...(doc.heading === undefined ? {} : { heading: doc.heading }),
    ...(doc.eta === undefined ? {} : { eta: doc.eta }),
    eventId: doc.eventId,
  };
}

/**
 * Latest position per order. The write is conditional on the stored `at` being older, so a late
 * or replayed location never moves a delivery backwards; being one statement it is atomic on
 * MongoDB. Expiry: a TTL index where the server has one, else (FerretDB) a periodic sweep —
 * either way reads ignore expired positions, so clients see the same behaviour.
 */
export class PositionStore {
  private readonly positions: Collection<PositionDoc>;
  private sweeper: NodeJS.Timeout | undefined;
  /** Writes of one order in this process, one at a time (see `record`). */
  private readonly queues = new Map<string, Promise<unknown>>();
  ttlIndex = false;

  constructor(
    conn: Connection,
    private readonly ttlMs = DAY_MS,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.positions = conn.collection<PositionDoc>(POSITIONS_COLLECTION);
  }

  /** TTL index on MongoDB; on a server without TTL indexes, sweeps every `sweepEveryMs`. */
  async init(server: MongoServerInfo, options: { logger?: Logger; sweepEveryMs?: number; sweep?: boolean } = {}): Promise<void> {
    try {
      if (server.ttlIndexes) {
        await this.positions.createIndex({ expiresAt: 1 }, { expireAfterSeconds: 0, name: 'expiresAt_ttl' });
        this.ttlIndex = true;
        return;
      }
    } catch (error) {
      throw mongoAppError(error, { store: 'positions' });
    }
    if (options.sweep === false) return;
    options.logger?.info({ server: server.kind }, 'no TTL indexes on this server: sweeping expired positions instead');
    this.sweeper = setInterval(() => void this.sweep().catch((error: unknown) => options.logger?.warn({ err: error }, 'position sweep failed')), options.sweepEveryMs ?? 60_000);
    this.sweeper.unref();
  }

  close(): void {
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = undefined;
  }

  /** Deletes expired positions; returns how many. */
  async sweep(): Promise<number> {
    try {
      return (await this.positions.deleteMany({ expiresAt: { $lte: this.now() } })).deletedCount;
    } catch (error) {
      throw mongoAppError(error, { store: 'positions' });
    }
  }

  /**
   * Stores the position unless the stored one is as new or newer. The filter matches only an
   * older document; when it matches none the upsert tries to insert the same `_id` and the unique
   * `_id` index refuses it (E11000): that is the "older never replaces newer" answer, not an error.
   * FerretDB v1 runs that filter and the write in separate SQLite transactions, so concurrent
   * writes of one order could interleave: writes of one order are therefore serialised in this
   * process, and across processes the topic's courier key keeps one courier's positions on one
   * partition, consumed by one member.
   */
  record(input: PositionInput): Promise<RecordOutcome> {
    const key = positionKey(input.tenantCode, input.data.orderId);
    const run = (this.queues.get(key) ?? Promise.resolve()).catch(() => undefined).then(() => this.write(input));
    this.queues.set(key, run);
    void run.finally(() => this.queues.get(key) === run && this.queues.delete(key)).catch(() => undefined);
    return run;
  }

  private async write(input: PositionInput): Promise<RecordOutcome> {
    const { data } = input;
    const at = new Date(data.at);
    const doc: Omit<PositionDoc, '_id'> = {
      tenantCode: input.tenantCode,
      orderId: data.orderId,
      deliveryBoyId: data.deliveryBoyId,
      lat: data.lat,
      lng: data.lng,
      at,
      ...(data.speed === undefined ? {} : { speed: data.speed }),
      ...(data.heading === undefined ? {} : { heading: data.heading }),
      ...(data.eta === undefined ? {} : { eta: data.eta }),
      ...(data.device === undefined ? {} : { device: data.device }),
      eventId: input.eventId,
      receivedAt: this.now(),
      expiresAt: new Date(at.getTime() + this.ttlMs),
    };
    const _id = positionKey(input.tenantCode, data.orderId);
    try {
      const result = await this.positions.updateOne({ _id, at: { $lt: at } }, { $set: doc }, { upsert: true });
      return result.modifiedCount + result.upsertedCount > 0 ? 'stored' : 'stale';
    } catch (error) {
      if ((error as { code?: number }).code === 11000) return 'stale';
      throw mongoAppError(error, { store: 'positions' });
    }
  }

  /** The latest unexpired position of an order within the reader's scope (admin: any tenant, or the named one). */
  async latest(scope: { tenantCode: string } | { admin: true }, orderId: string, tenantCode?: string): Promise<PositionView | undefined> {
    const tenant = 'tenantCode' in scope ? scope.tenantCode : tenantCode;
    try {
      const live = { expiresAt: { $gt: this.now() } };
      const doc = tenant
        ? await this.positions.findOne({ _id: positionKey(tenant, orderId), ...live })
        : await this.positions.findOne({ orderId, ...live }, { sort: { at: -1 } });
      return doc ? toView(doc) : undefined;
    } catch (error) {
      throw mongoAppError(error, { store: 'positions' });
    }
  }
}
