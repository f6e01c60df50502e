import type { Collection, Connection } from 'mongoose';
import type { Envelope } from '@medlives/events';
import { type StoreDialect, mongoAppError } from '@medlives/mongo';

export const AUDIT_COLLECTION = 'audit_events';

/** One audit record as stored: the envelope's who / when / correlation, the data's what / outcome. */
export interface AuditDoc {
  /** The event id: a redelivered record is the same document, never a second one. */
  _id: string;
  eventType: string;
  version: number;
  occurredAt: Date;
  tenantCode: string;
  actor: { userId: string; role: string };
  correlationId: string;
  subjectId: string;
  subjectType: string;
  action?: string;
  outcome?: string;
  httpStatus?: number;
  data: Record<string, unknown>;
  recordedAt: Date;
}

export interface AuditView {
  eventId: string;
  eventType: string;
  occurredAt: string;
  tenantCode: string;
  actor: { userId: string; role: string };
  correlationId: string;
  subjectId: string;
  subjectType: string;
  action?: string;
  outcome?: string;
  httpStatus?: number;
  data: Record<string, unknown>;
}

export interface AuditQuery {
  subject?: string;
  from?: Date;
  to?: Date;
  limit: number;
}

export function toAuditDoc(e: Envelope, recordedAt: Date): AuditDoc {
  const data = e.data as Record<string, unknown>;
  return {
    _id: e.eventId,
    eventType: e.eventType,
    version: e.version,
    occurredAt: new Date(e.occurredAt),
    tenantCode: e.tenantCode,
    actor: { ...e.actor },
    correlationId: e.correlationId,
    subjectId: String(data.subjectId),
    subjectType: String(data.subjectType),
    ...(typeof data.action === 'string' ? { action: data.action } : {}),
    ...(typeof data.outcome === 'string' ? { outcome: data.outcome } : {}),
    ...(typeof data.httpStatus === 'number' ? { httpStatus: data.httpStatus } : {}),
    data,
    recordedAt,
  };
}

/**
 * The audit trail, append-only by construction: this class inserts and finds, and nothing in the
 * code base updates or deletes an audit document (a test greps for it). Inserts are unordered and
 * keyed by event id, so a redelivered batch adds nothing and a duplicate does not stop the rest.
 */
export class AuditStore {
  private readonly events: Collection<AuditDoc>;

  constructor(conn: Connection) {
    this.events = conn.collection<AuditDoc>(AUDIT_COLLECTION);
  }

  /** The subject + time index where the server uses secondary indexes (not FerretDB v1, see dialect). */
  async init(dialect: StoreDialect): Promise<void> {
    if (!dialect.secondaryIndexes) return;
    try {
      await this.events.createIndex({ subjectId: 1, occurredAt: 1 }, { name: 'subject_time' });
      await this.events.createIndex({ occurredAt: 1 }, { name: 'time' });
    } catch (error) {
      throw mongoAppError(error, { store: 'audit' });
    }
  }

  /** Appends the records; returns how many were new. */
  async append(docs: readonly AuditDoc[]): Promise<number> {
    if (docs.length === 0) return 0;
    try {
      const result = await this.events.insertMany([...docs], { ordered: false });
      return result.insertedCount;
    } catch (error) {
      const e = error as { code?: number; writeErrors?: { code?: number }[]; insertedCount?: number; result?: { insertedCount?: number } };
      const writeErrors = e.writeErrors ?? (e.code === 11000 ? [{ code: 11000 }] : undefined);
      // Only "already there" (a redelivery) is fine; anything else is the database's fault.
      if (writeErrors && writeErrors.every((w) => w.code === 11000)) return e.insertedCount ?? e.result?.insertedCount ?? docs.length - writeErrors.length;
      throw mongoAppError(error, { store: 'audit' });
    }
  }

  async find(query: AuditQuery): Promise<AuditView[]> {
    const filter: Record<string, unknown> = {};
    if (query.subject) filter.subjectId = query.subject;
    if (query.from || query.to) filter.occurredAt = { ...(query.from ? { $gte: query.from } : {}), ...(query.to ? { $lt: query.to } : {}) };
    try {
      const docs = await this.events.find(filter).sort({ occurredAt: 1, _id: 1 }).limit(query.limit).toArray();
      return docs.map((d) => ({
        eventId: d._id,
        eventType: d.eventType,
        occurredAt: d.occurredAt.toISOString(),
        tenantCode: d.tenantCode,
        actor: d.actor,
        correlationId: d.correlationId,
        subjectId: d.subjectId,
        subjectType: d.subjectType,
        ...(d.action === undefined ? {} : { action: d.action }),
        ...(d.outcome === undefined ? {} : { outcome: d.outcome }),
        ...(d.httpStatus === undefined ? {} : { httpStatus: d.httpStatus }),
        data: d.data,
      }));
    } catch (error) {
      throw mongoAppError(error, { store: 'audit' });
    }
  }
}
