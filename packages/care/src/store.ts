import type { Connection } from 'mongoose';
import type { Keyring } from '@medlives/crypto';
import { AppError } from '@medlives/errors';
import type { Envelope } from '@medlives/events';
import { type StoreDialect, mongoAppError } from '@medlives/mongo';
import { type FoldOutcome, type Position, applyContact, applyEvent, createRecord, isCreation, startsAt, targetOf } from './fold';
import { type CareDoc, type RecordState, SECRET_FIELDS, aadOf, collectionOf, docId } from './model';

export interface CareInput {
  readonly event: Envelope;
  readonly at: Position;
}

export interface CareWriteResult {
  /** Per input: what it did to its record. */
  readonly outcomes: FoldOutcome[];
  /** Inputs that cannot be applied (unknown record, undecryptable record): dead-letter them. */
  readonly refused: { index: number; error: AppError }[];
  /** Documents written (inserted or replaced). */
  readonly written: number;
}

interface Loaded {
  readonly collection: string;
  readonly id: string;
  /** The stored document, when there is one. */
  doc?: CareDoc;
  state?: RecordState;
  /** Set when the stored ciphertext could not be opened: only changes to clear fields may apply. */
  broken?: AppError;
  secretChanged: boolean;
  changed: boolean;
}

function toState(doc: CareDoc, secret: Record<string, unknown>): RecordState {
  return {
    kind: doc.kind,
    tenantCode: doc.tenantCode,
    patientId: doc.patientId,
    entityId: doc.entityId,
    ...(doc.status === undefined ? {} : { status: doc.status }),
    fields: { ...doc.fields },
    secret,
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
    pos: Object.fromEntries((doc.pos ?? []).map((p) => [p.k, p.o])),
    applied: [...doc.applied],
    rejected: [...doc.rejected],
  };
}

const secretSnapshot = (s: RecordState) => JSON.stringify(SECRET_FIELDS[s.kind].map((k) => s.secret[k]));

/**
 * The care-records store: folds a batch of care events into one document per appointment,
 * prescription, health record and patient, sealing the secret fields under the keyring's current
 * key. Each batch reads its records once, applies its events in order in memory, and writes only
 * the records that changed — an already-applied event (replay, redelivery) changes nothing, not
 * even the ciphertext. A record whose secret fields did not change keeps its ciphertext as is.
 */
export class CareStore {
  constructor(
    private readonly conn: Connection,
    private readonly keyring: Keyring,
    private readonly dialect: StoreDialect,
  ) {}

  async write(inputs: readonly CareInput[]): Promise<CareWriteResult> {
    const loaded = new Map<string, Loaded>();
    const keysOf = inputs.map(({ event }) => {
      const target = targetOf(event);
      if (!target) return [];
      const keys = [`${collectionOf(target.kind)}|${docId(event.tenantCode, target.entityId)}`];
      if (isCreation(event) && (event.data as { patient?: unknown }).patient) keys.push(`${collectionOf('patient')}|${docId(event.tenantCode, target.patientId)}`);
      return keys;
    });
    for (const key of keysOf.flat()) {
      if (loaded.has(key)) continue;
      const [collection, id] = key.split('|') as [string, string];
      loaded.set(key, { collection, id, secretChanged: false, changed: false });
    }
    await this.load([...loaded.values()]);

    const outcomes: FoldOutcome[] = [];
    const refused: { index: number; error: AppError }[] = [];
    for (const [index, { event, at }] of inputs.entries()) {
      const [recordKey, patientKey] = keysOf[index]!;
      if (!recordKey) {
        outcomes.push('ignored');
        continue;
      }
      const record = loaded.get(recordKey)!;
      const outcome = this.applyTo(record, event, at);
      if (outcome instanceof AppError) {
        refused.push({ index, error: outcome });
        outcomes.push('unknown');
        continue;
      }
      outcomes.push(outcome);
      if (patientKey && outcome !== 'skipped') this.applyContactTo(loaded.get(patientKey)!, event, at);
    }
    const written = await this.save([...loaded.values()].filter((l) => l.changed));
    return { outcomes, refused, written };
  }

  private applyTo(record: Loaded, event: Envelope, at: Position): FoldOutcome | AppError {
    const target = targetOf(event)!;
    if (!record.state) {
      if (record.broken) return record.broken;
      const created = createRecord(event, at);
      if (!created) {
        return new AppError('NOT_FOUND', `${event.eventType}: ${target.kind} ${target.entityId} of patient ${target.patientId} is unknown (no creation event was applied)`, {
          context: { eventId: event.eventId },
        });
      }
      record.state = created;
      record.changed = record.secretChanged = true;
      return 'applied';
    }
    const before = secretSnapshot(record.state);
    const rollback = record.broken ? structuredClone(record.state) : undefined;
    const outcome = applyEvent(record.state, event, at);
    if (outcome === 'skipped' || outcome === 'ignored') return outcome;
    const secretChanged = secretSnapshot(record.state) !== before;
    if (secretChanged && record.broken) {
      // The sealed part cannot be opened, so it cannot be re-sealed with the change: refuse the event.
      record.state = rollback;
      return new AppError('DECRYPT_FAILED', `${event.eventType} for ${target.kind} ${target.entityId}: ${record.broken.message}`, { context: { ...record.broken.context, eventId: event.eventId } });
    }
    record.changed = true;
    record.secretChanged ||= secretChanged;
    return outcome;
  }

  private applyContactTo(patient: Loaded, event: Envelope, at: Position): void {
    if (patient.broken) {
      // An unreadable old contact is replaced by the new one, sealed afresh.
      patient.broken = undefined;
      patient.state = undefined;
      patient.doc = patient.doc ? { ...patient.doc, pos: [], applied: [] } : undefined;
    }
    const result = applyContact(patient.state, event, at, targetOf(event)!.patientId);
    if (!result || result.outcome === 'skipped') return;
    patient.state = result.state;
    patient.changed = true;
    patient.secretChanged ||= result.outcome === 'applied';
  }

  private async load(records: Loaded[]): Promise<void> {
    const byCollection = new Map<string, Loaded[]>();
    for (const r of records) byCollection.set(r.collection, [...(byCollection.get(r.collection) ?? []), r]);
    try {
      await Promise.all(
        [...byCollection].map(async ([collection, list]) => {
          const coll = this.conn.collection<CareDoc>(collection);
          const docs = this.dialect.batchedIdLookup
            ? await coll.find({ _id: { $in: list.map((l) => l.id) } }).toArray()
            : (await Promise.all(list.map((l) => coll.findOne({ _id: l.id })))).filter((d): d is CareDoc => d !== null);
          const byId = new Map(docs.map((d) => [d._id, d]));
          for (const l of list) {
            const doc = byId.get(l.id);
            if (!doc) continue;
            l.doc = doc;
            try {
              l.state = toState(doc, this.keyring.openJson<Record<string, unknown>>(doc.sealed, aadOf(collection, doc._id)));
            } catch (error) {
              if (!AppError.is(error, 'DECRYPT_FAILED')) throw error;
              l.broken = new AppError('DECRYPT_FAILED', `record ${doc._id} in ${collection}: ${error.message}`, { context: error.context });
              l.state = toState(doc, {});
            }
          }
        }),
      );
    } catch (error) {
      throw mongoAppError(error, { op: 'care load' });
    }
  }

  private toDoc(l: Loaded): CareDoc {
    const s = l.state!;
    const sealed = l.secretChanged || !l.doc ? this.keyring.sealJson(s.secret, aadOf(l.collection, l.id)) : l.doc.sealed;
    const starts = startsAt(s);
    return {
      _id: l.id,
      kind: s.kind,
      tenantCode: s.tenantCode,
      patientId: s.patientId,
      entityId: s.entityId,
      ...(s.status === undefined ? {} : { status: s.status }),
      fields: s.fields,
      sealed,
      sortKey: `${s.createdAt}|${s.kind}|${s.entityId}`,
      createdAt: s.createdAt,
      updatedAt: s.updatedAt,
      ...(starts ? { startsAt: starts } : {}),
      pos: Object.entries(s.pos).map(([k, o]) => ({ k, o })),
      applied: s.applied,
      rejected: s.rejected,
      rev: (l.doc?.rev ?? 0) + 1,
    };
  }

  private async save(changed: Loaded[]): Promise<number> {
    const byCollection = new Map<string, Loaded[]>();
    for (const l of changed) byCollection.set(l.collection, [...(byCollection.get(l.collection) ?? []), l]);
    let written = 0;
    for (const [collection, list] of byCollection) {
      const ops = list.map((l) => {
        const doc = this.toDoc(l);
        return l.doc
          ? { replaceOne: { filter: { _id: l.id, rev: l.doc.rev }, replacement: doc } }
          : { insertOne: { document: doc } };
      });
      for (let i = 0; i < ops.length; i += Math.min(ops.length, this.dialect.maxUpdatesPerCommand)) {
        const chunk = ops.slice(i, i + this.dialect.maxUpdatesPerCommand);
        let result;
        try {
          result = await this.conn.collection<CareDoc>(collection).bulkWrite(chunk as never, { ordered: false });
        } catch (error) {
          if ((error as { code?: number }).code === 11000) throw conflict(collection, 'a record was created concurrently');
          throw mongoAppError(error, { op: 'care write', collection });
        }
        written += result.insertedCount + result.modifiedCount;
        const expected = chunk.filter((o) => 'replaceOne' in o).length;
        if (result.matchedCount !== expected) throw conflict(collection, `${expected - result.matchedCount} record(s) changed concurrently`);
      }
    }
    return written;
  }
}

/** Another member wrote a record this batch read (a rebalance overlap): retry the batch on fresh reads. */
function conflict(collection: string, what: string): AppError {
  return new AppError('CONFLICT', `care records in ${collection}: ${what}; retrying the batch`, { retriable: true });
}
