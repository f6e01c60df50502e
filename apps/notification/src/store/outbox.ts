import type { AnyBulkWriteOperation, Collection, Connection } from 'mongoose';
import type { Keyring } from '@medlives/crypto';
import { type MongoServerInfo, type StoreDialect, mongoAppError } from '@medlives/mongo';
import type { Contact } from '../domain/plan';
import {
  CLAIMS_COLLECTION,
  CONTACTS_COLLECTION,
  type ClaimDoc,
  type ContactDoc,
  DELIVERIES_COLLECTION,
  DUE_COLLECTION,
  type DeliveryDoc,
  type DeliverySecret,
  type DueDoc,
  type StoredDelivery,
  aadOf,
  claimId,
} from './collections';

const DUPLICATE_KEY = 11000;
/** Point reads in flight at once where `{_id: {$in}}` would scan (FerretDB). */
const POINT_READS = 16;

function isDuplicate(error: unknown): boolean {
  return (error as { code?: unknown })?.code === DUPLICATE_KEY;
}

export type Claim = { ok: true } | { ok: false; expired: boolean };

export interface ClaimRequest {
  readonly delivery: string;
  readonly attempt: number;
}

/** The outcome of one attempt, as `settleMany` writes it. */
export interface Settlement {
  readonly id: string;
  /** The attempts the writer saw: a row changed since (another owner) is left alone. */
  readonly expectAttempts: number;
  readonly set: Partial<DeliveryDoc>;
  /** The row owes nothing more (sent, unknown): leaves the due set. */
  readonly settled: boolean;
}

/**
 * The notification store. Every write is keyed by `_id` (the one thing FerretDB v1 pushes down
 * and enforces uniquely), and the only concurrency control is a unique insert: the claim of an
 * attempt. That is atomic on MongoDB and FerretDB alike, which a conditional update (or
 * findAndModify) is not on FerretDB.
 *
 * At rest, a delivery's recipient, subject, body and source record (the Kafka record, which
 * holds the event with the patient's or customer's contact) and every contact are sealed with
 * the keyring (AES-256-GCM, bound to the record id). Only ids, types, status and timestamps stay
 * in clear, so the read route can filter without decrypting.
 *
 * Writes come in bulk: one insert for a batch's deliveries, one for the claims of the attempts
 * started together, one update command per `maxUpdatesPerCommand` outcomes (FerretDB v1
 * deadlocks at 100 matched updates in flight).
 */
export class NotificationStore {
  readonly deliveries: Collection<StoredDelivery>;
  readonly claims: Collection<ClaimDoc>;
  readonly contacts: Collection<ContactDoc>;
  readonly due: Collection<DueDoc>;
  /** FerretDB: the due set is the marker collection, not an index on `nextAttemptAt`. */
  readonly dueMarkers: boolean;
  private readonly maxUpdates: number;
  private readonly batchedIdLookup: boolean;

  constructor(
    private readonly conn: Connection,
    private readonly keyring: Keyring,
    private readonly dialect: Pick<StoreDialect, 'secondaryIndexes' | 'maxUpdatesPerCommand' | 'batchedIdLookup'>,
  ) {
    this.deliveries = conn.collection<StoredDelivery>(DELIVERIES_COLLECTION);
    this.claims = conn.collection<ClaimDoc>(CLAIMS_COLLECTION);
    this.contacts = conn.collection<ContactDoc>(CONTACTS_COLLECTION);
    this.due = conn.collection<DueDoc>(DUE_COLLECTION);
    this.dueMarkers = !dialect.secondaryIndexes;
    this.maxUpdates = Math.max(1, Math.min(dialect.maxUpdatesPerCommand, 500));
    this.batchedIdLookup = dialect.batchedIdLookup;
  }

  /** Secondary indexes only where the server plans on them (MongoDB); claims expire where TTL exists. */
  async ensureIndexes(server: Pick<MongoServerInfo, 'ttlIndexes'>): Promise<void> {
    await guard(async () => {
      if (this.dialect.secondaryIndexes) {
        await this.deliveries.createIndex({ nextAttemptAt: 1 }, { sparse: true });
        await this.deliveries.createIndex({ tenantCode: 1, orderId: 1, createdAt: -1 }, { sparse: true });
        await this.deliveries.createIndex({ tenantCode: 1, patientId: 1, createdAt: -1 }, { sparse: true });
      }
      if (server.ttlIndexes) await this.claims.createIndex({ at: 1 }, { expireAfterSeconds: 30 * 24 * 3600 });
    });
  }

  /**
   * Inserts what is new (sealed); returns the ids inserted now (a redelivered event inserts
   * nothing). On FerretDB the due markers of every pending row follow, also for rows that were
   * already there: a crash between the two inserts leaves the offset uncommitted, and the replay
   * adds the missing markers (a marker of a row settled meanwhile is cleared by the sweep).
   */
  async insertDeliveries(docs: readonly DeliveryDoc[]): Promise<Set<string>> {
    if (docs.length === 0) return new Set();
    const inserted = await insertNew(this.deliveries, docs.map((d) => this.sealDelivery(d)), 'insertDeliveries');
    if (this.dueMarkers) {
      const markers = docs.filter((d) => d.nextAttemptAt).map((d) => ({ _id: d._id, at: d.nextAttemptAt! }));
      if (markers.length) await insertNew(this.due, markers, 'insertDueMarkers');
    }
    return inserted;
  }

  /**
   * Claims attempts in one insert; per request, `ok` or (a claim was already there) whether
   * that claim's lease has expired — never taken over.
   */
  async claimMany(requests: readonly ClaimRequest[], owner: string, leaseMs: number): Promise<Claim[]> {
    if (requests.length === 0) return [];
    const now = new Date();
    const leaseUntil = new Date(now.getTime() + leaseMs);
    const docs = requests.map((r) => ({ _id: claimId(r.delivery, r.attempt), owner, at: now, leaseUntil }));
    const inserted = await insertNew(this.claims, docs, 'claim');
    return Promise.all(
      docs.map(async (d): Promise<Claim> => {
        if (inserted.has(d._id)) return { ok: true };
        const held = await guard(() => this.claims.findOne({ _id: d._id }));
        return { ok: false, expired: !held || held.leaseUntil.getTime() < now.getTime() };
      }),
    );
  }

  /** One attempt's claim (tests and rare paths). */
  async claim(delivery: string, attempt: number, owner: string, leaseMs: number): Promise<Claim> {
    const [result] = await this.claimMany([{ delivery, attempt }], owner, leaseMs);
    return result!;
  }

  /**
   * Writes outcomes in bulk, each only onto a delivery still at `expectAttempts` (the state its
   * reader saw). The filter guards against stale readers; on FerretDB it is not atomic with the
   * write, which is why the claim, not this filter, is what prevents a second send. The due
   * markers follow the rows (after them: a crash in between leaves a marker the sweep clears,
   * never a row owed without one).
   */
  async settleMany(items: readonly Settlement[]): Promise<void> {
    if (items.length === 0) return;
    const now = new Date();
    const ops: AnyBulkWriteOperation<StoredDelivery>[] = items.map((s) => ({
      updateOne: {
        filter: { _id: s.id, attempts: s.expectAttempts },
        update: { $set: { ...(s.set as Partial<StoredDelivery>), updatedAt: now }, ...(s.settled ? { $unset: { nextAttemptAt: '' as const } } : {}) },
      },
    }));
    await this.bulk(this.deliveries, ops, 'settle');
    if (this.dueMarkers) {
      await this.bulk(
        this.due,
        items.map((s): AnyBulkWriteOperation<DueDoc> =>
          s.settled || !s.set.nextAttemptAt ? { deleteOne: { filter: { _id: s.id } } } : { updateOne: { filter: { _id: s.id }, update: { $set: { at: s.set.nextAttemptAt } }, upsert: true } },
        ),
        'settleDue',
      );
    }
  }

  /** One conditional outcome; true when the row was still at `expectAttempts` (rare paths: unknown). */
  async settle(id: string, expectAttempts: number, set: Partial<DeliveryDoc>, unsetNext: boolean): Promise<boolean> {
    const update = { $set: { ...(set as Partial<StoredDelivery>), updatedAt: new Date() }, ...(unsetNext ? { $unset: { nextAttemptAt: '' as const } } : {}) };
    const result = await guard(() => this.deliveries.updateOne({ _id: id, attempts: expectAttempts }, update));
    if (unsetNext) await this.dropMarker(id);
    return result.matchedCount === 1;
  }

  async markDeadLettered(id: string): Promise<void> {
    await guard(() => this.deliveries.updateOne({ _id: id }, { $set: { deadLettered: true, updatedAt: new Date() }, $unset: { nextAttemptAt: '' } }));
    await this.dropMarker(id);
  }

  /** A settled row that still looked due (defensive): it owes nothing. */
  async clearDue(id: string): Promise<void> {
    await guard(() => this.deliveries.updateOne({ _id: id }, { $unset: { nextAttemptAt: '' } }));
    await this.dropMarker(id);
  }

  /**
   * Rows the outbox still owes work on, due before `cutoff`, in clear. MongoDB reads the
   * `nextAttemptAt` index; FerretDB reads the marker collection and then each row by `_id`
   * (`skip`: ids the caller already holds, not read at all). A row that cannot be opened
   * (altered, or its key no longer configured) is reported through `onUnreadable` and left owed.
   */
  async dueRows(cutoff: Date, limit: number, skip: (id: string) => boolean = () => false, onUnreadable?: (id: string, error: unknown) => void): Promise<DeliveryDoc[]> {
    let stored: StoredDelivery[];
    if (!this.dueMarkers) {
      stored = (await guard(() => this.deliveries.find({ nextAttemptAt: { $lte: cutoff } }).limit(limit).toArray())).filter((d) => !skip(d._id));
    } else {
      const markers = (await guard(() => this.due.find({ at: { $lte: cutoff } }).limit(limit).toArray())).filter((m) => !skip(m._id));
      const rows = await this.findByIds(this.deliveries, markers.map((m) => m._id));
      stored = [];
      for (const m of markers) {
        const row = rows.get(m._id);
        if (row) stored.push(row);
        // Rows are inserted before their markers, so a marker alone is debris (e.g. a dropped row): drop it.
        else await this.dropMarker(m._id);
      }
    }
    const out: DeliveryDoc[] = [];
    for (const row of stored) {
      try {
        out.push(this.openDelivery(row));
      } catch (error) {
        onUnreadable?.(row._id, error);
      }
    }
    return out;
  }

  /** Saves contacts learnt from order events: `created` ones only if new (a replay keeps later changes), `changed` ones merged and replaced. */
  async saveContacts(created: ReadonlyMap<string, Contact>, changed: ReadonlyMap<string, Contact>): Promise<void> {
    const now = new Date();
    const seal = (id: string, c: Contact): ContactDoc => ({ _id: id, sealed: this.keyring.sealJson(compact(c), aadOf(CONTACTS_COLLECTION, id)), updatedAt: now });
    if (created.size) await insertNew(this.contacts, [...created].map(([id, c]) => seal(id, c)), 'saveContacts');
    if (changed.size) {
      const before = await this.findContacts([...changed.keys()]);
      await this.bulk(
        this.contacts,
        [...changed].map(([id, c]): AnyBulkWriteOperation<ContactDoc> => ({ replaceOne: { filter: { _id: id }, replacement: seal(id, { ...before.get(id), ...compact(c) }), upsert: true } })),
        'saveContacts',
      );
    }
  }

  /** Contacts by `<tenantCode>:<orderId>`, opened; one that cannot be opened reads as unknown. */
  async findContacts(ids: readonly string[]): Promise<Map<string, Contact>> {
    const docs = await this.findByIds(this.contacts, [...new Set(ids)]);
    const out = new Map<string, Contact>();
    for (const [id, doc] of docs) {
      try {
        out.set(id, this.keyring.openJson<Contact>(doc.sealed, aadOf(CONTACTS_COLLECTION, id)));
      } catch {
        // altered or under a key no longer configured: the notification goes out as no_recipient
      }
    }
    return out;
  }

  async ping(): Promise<void> {
    // Mongoose's collection wrapper has no `.db`; the connection's native Db does.
    await guard(() => this.conn.db!.admin().ping());
  }

  sealDelivery(doc: DeliveryDoc): StoredDelivery {
    const { recipient, subject, body, source, ...rest } = doc;
    const secret: DeliverySecret = { recipient, subject, body, source };
    return { ...rest, sealed: this.keyring.sealJson(secret, aadOf(DELIVERIES_COLLECTION, doc._id)) };
  }

  openDelivery(row: StoredDelivery): DeliveryDoc {
    return openDelivery(this.keyring, row);
  }

  private async dropMarker(id: string): Promise<void> {
    if (this.dueMarkers) await guard(() => this.due.deleteOne({ _id: id }));
  }

  private async findByIds<T extends { _id: string }>(coll: Collection<T>, ids: readonly string[]): Promise<Map<string, T>> {
    const out = new Map<string, T>();
    if (ids.length === 0) return out;
    if (this.batchedIdLookup) {
      for (const d of await guard(() => coll.find({ _id: { $in: ids } } as never).toArray())) out.set((d as T)._id, d as T);
      return out;
    }
    for (let i = 0; i < ids.length; i += POINT_READS) {
      const docs = await Promise.all(ids.slice(i, i + POINT_READS).map((id) => guard(() => coll.findOne({ _id: id } as never))));
      for (const d of docs) if (d) out.set((d as T)._id, d as T);
    }
    return out;
  }

  private async bulk<T extends { _id: string }>(coll: Collection<T>, ops: AnyBulkWriteOperation<T>[], op: string): Promise<void> {
    for (let i = 0; i < ops.length; i += this.maxUpdates) {
      const chunk = ops.slice(i, i + this.maxUpdates);
      try {
        await coll.bulkWrite(chunk as never, { ordered: false });
      } catch (error) {
        throw mongoAppError(error, { op });
      }
    }
  }
}

/** A stored delivery in clear (rows from before sealing carry the fields in clear already). */
export function openDelivery(keyring: Pick<Keyring, 'openJson'>, row: StoredDelivery): DeliveryDoc {
  const { sealed, ...rest } = row;
  if (!sealed) return row as DeliveryDoc;
  const secret = keyring.openJson<DeliverySecret>(sealed, aadOf(DELIVERIES_COLLECTION, row._id));
  return { ...(rest as Omit<DeliveryDoc, keyof DeliverySecret>), ...secret };
}

function compact(c: Contact): Contact {
  return { ...(c.name ? { name: c.name } : {}), ...(c.phone ? { phone: c.phone } : {}), ...(c.email ? { email: c.email } : {}) };
}

/** insertMany unordered; duplicates of `_id` are expected (replays) and skipped; returns the ids inserted. */
async function insertNew<T extends { _id: string }>(coll: Collection<T>, docs: T[], op: string): Promise<Set<string>> {
  try {
    await coll.insertMany(docs as never[], { ordered: false });
    return new Set(docs.map((d) => d._id));
  } catch (error) {
    const writeErrors = (error as { writeErrors?: Array<{ index: number; code: number }> }).writeErrors;
    const errors = Array.isArray(writeErrors) ? writeErrors : writeErrors ? [writeErrors] : undefined;
    if (!errors || errors.some((e) => e.code !== DUPLICATE_KEY)) throw mongoAppError(error, { op });
    const failed = new Set(errors.map((e) => e.index));
    return new Set(docs.filter((_, i) => !failed.has(i)).map((d) => d._id));
  }
}

async function guard<T>(op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (error) {
    throw mongoAppError(error);
  }
}
