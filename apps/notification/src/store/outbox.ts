import type { Collection, Connection } from 'mongoose';
import { type MongoServerInfo, type StoreDialect, mongoAppError } from '@medlives/mongo';
import type { Contact } from '../domain/plan';
import { CLAIMS_COLLECTION, CONTACTS_COLLECTION, type ClaimDoc, type ContactDoc, DELIVERIES_COLLECTION, type DeliveryDoc, claimId } from './collections';

const DUPLICATE_KEY = 11000;

function isDuplicate(error: unknown): boolean {
  return (error as { code?: unknown })?.code === DUPLICATE_KEY;
}

export type Claim = { ok: true } | { ok: false; expired: boolean };

/**
 * The notification store. Every write is keyed by `_id` (the one thing FerretDB v1 pushes down
 * and enforces uniquely), and the only concurrency control is a unique insert: the claim of an
 * attempt. That is atomic on MongoDB and FerretDB alike, which a conditional update (or
 * findAndModify) is not on FerretDB.
 */
export class NotificationStore {
  readonly deliveries: Collection<DeliveryDoc>;
  readonly claims: Collection<ClaimDoc>;
  readonly contacts: Collection<ContactDoc>;

  constructor(private readonly conn: Connection) {
    this.deliveries = conn.collection<DeliveryDoc>(DELIVERIES_COLLECTION);
    this.claims = conn.collection<ClaimDoc>(CLAIMS_COLLECTION);
    this.contacts = conn.collection<ContactDoc>(CONTACTS_COLLECTION);
  }

  /** Secondary indexes only where the server plans on them (MongoDB); claims expire where TTL exists. */
  async ensureIndexes(dialect: StoreDialect, server: Pick<MongoServerInfo, 'ttlIndexes'>): Promise<void> {
    await guard(async () => {
      if (dialect.secondaryIndexes) {
        await this.deliveries.createIndex({ nextAttemptAt: 1 }, { sparse: true });
        await this.deliveries.createIndex({ tenantCode: 1, orderId: 1, createdAt: -1 }, { sparse: true });
        await this.deliveries.createIndex({ tenantCode: 1, patientId: 1, createdAt: -1 }, { sparse: true });
      }
      if (server.ttlIndexes) await this.claims.createIndex({ at: 1 }, { expireAfterSeconds: 30 * 24 * 3600 });
    });
  }

  /** Inserts what is new; returns the ids inserted now (a redelivered event inserts nothing). */
  async insertDeliveries(docs: readonly DeliveryDoc[]): Promise<Set<string>> {
    if (docs.length === 0) return new Set();
    try {
      await this.deliveries.insertMany(docs as DeliveryDoc[], { ordered: false });
      return new Set(docs.map((d) => d._id));
    } catch (error) {
      const writeErrors = (error as { writeErrors?: Array<{ index: number; code: number }> }).writeErrors;
      const errors = Array.isArray(writeErrors) ? writeErrors : writeErrors ? [writeErrors] : undefined;
      if (!errors || errors.some((e) => e.code !== DUPLICATE_KEY)) throw mongoAppError(error, { op: 'insertDeliveries' });
      const failed = new Set(errors.map((e) => e.index));
      return new Set(docs.filter((_, i) => !failed.has(i)).map((d) => d._id));
    }
  }

  /** Claims attempt `attempt` of a delivery; a live foreign claim or an expired one is reported, never taken over. */
  async claim(delivery: string, attempt: number, owner: string, leaseMs: number): Promise<Claim> {
    const now = new Date();
    const _id = claimId(delivery, attempt);
    try {
      await this.claims.insertOne({ _id, owner, at: now, leaseUntil: new Date(now.getTime() + leaseMs) });
      return { ok: true };
    } catch (error) {
      if (!isDuplicate(error)) throw mongoAppError(error, { op: 'claim', delivery });
      const held = await guard(() => this.claims.findOne({ _id }));
      return { ok: false, expired: !held || held.leaseUntil.getTime() < now.getTime() };
    }
  }

  /**
   * Sets fields of a delivery still at `attempts` (the state its reader saw). The filter guards
   * against stale readers; on FerretDB it is not atomic with the write, which is why the claim,
   * not this filter, is what prevents a second send.
   */
  async settle(id: string, expectAttempts: number, set: Partial<DeliveryDoc>, unsetNext: boolean): Promise<boolean> {
    const update = { $set: { ...set, updatedAt: new Date() }, ...(unsetNext ? { $unset: { nextAttemptAt: '' as const } } : {}) };
    const result = await guard(() => this.deliveries.updateOne({ _id: id, attempts: expectAttempts }, update));
    return result.matchedCount === 1;
  }

  async markDeadLettered(id: string): Promise<void> {
    await guard(() => this.deliveries.updateOne({ _id: id }, { $set: { deadLettered: true, updatedAt: new Date() }, $unset: { nextAttemptAt: '' } }));
  }

  /** A settled row that still looked due (defensive): it owes nothing. */
  async clearDue(id: string): Promise<void> {
    await guard(() => this.deliveries.updateOne({ _id: id }, { $unset: { nextAttemptAt: '' } }));
  }

  /** Rows the outbox still owes work on, due before `cutoff`. */
  async due(cutoff: Date, limit: number): Promise<DeliveryDoc[]> {
    return guard(() => this.deliveries.find({ nextAttemptAt: { $lte: cutoff } }).limit(limit).toArray());
  }

  async saveContact(tenantCode: string, orderId: string, contact: Contact): Promise<void> {
    const set = { ...(contact.name ? { name: contact.name } : {}), ...(contact.phone ? { phone: contact.phone } : {}), ...(contact.email ? { email: contact.email } : {}), updatedAt: new Date() };
    await guard(() => this.contacts.updateOne({ _id: `${tenantCode}:${orderId}` }, { $set: set }, { upsert: true }));
  }

  async findContact(tenantCode: string, orderId: string): Promise<Contact | undefined> {
    const doc = await guard(() => this.contacts.findOne({ _id: `${tenantCode}:${orderId}` }));
    return doc ?? undefined;
  }

  async ping(): Promise<void> {
    // Mongoose's collection wrapper has no `.db`; the connection's native Db does.
    await guard(() => this.conn.db!.admin().ping());
  }
}

async function guard<T>(op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (error) {
    throw mongoAppError(error);
  }
}
