import type { Connection } from 'mongoose';
import type { Keyring } from '@medlives/crypto';
import { AppError } from '@medlives/errors';
import { mongoAppError } from '@medlives/mongo';
import { type CareDoc, type CareKind, CARE_KINDS, COLLECTIONS, aadOf, docId } from './model';

export const DEFAULT_PAGE = 50;
export const MAX_PAGE = 200;

/** A record as the owning tenant reads it: clear fields and, when it opens, the secret ones. */
export interface CareRecordView {
  readonly type: CareKind;
  readonly id: string;
  readonly patientId: string;
  readonly status?: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  /** Key the secret fields are sealed with. */
  readonly keyId: string;
  /** Set when this record's ciphertext cannot be opened; its secret fields are then absent. */
  readonly error?: { code: 'DECRYPT_FAILED'; reason: string; message: string };
  readonly [field: string]: unknown;
}

export interface PatientContactView {
  readonly name?: string;
  readonly phone?: string;
  readonly email?: string;
}

export interface CareRecordsPage {
  readonly patientId: string;
  readonly tenantCode: string;
  /** The latest contact the clinic gave; null when none was given or it cannot be opened. */
  readonly contact: PatientContactView | null;
  readonly contactError?: CareRecordView['error'];
  readonly items: CareRecordView[];
  readonly nextCursor: string | null;
}

export interface CareQuery {
  readonly types?: readonly CareKind[];
  readonly limit?: number;
  /** `nextCursor` of the previous page (opaque). */
  readonly cursor?: string;
}

const encodeCursor = (sortKey: string) => Buffer.from(sortKey, 'utf8').toString('base64url');
const decodeCursor = (cursor: string) => Buffer.from(cursor, 'base64url').toString('utf8');

function opened<T>(keyring: Keyring, doc: CareDoc, collection: string): { value?: T; error?: CareRecordView['error'] } {
  try {
    return { value: keyring.openJson<T>(doc.sealed, aadOf(collection, doc._id)) };
  } catch (error) {
    if (!AppError.is(error, 'DECRYPT_FAILED')) throw error;
    const reason = String(error.context.reason ?? 'authentication_failed');
    return { error: { code: 'DECRYPT_FAILED', reason, message: `${doc.kind} ${doc.entityId}: ${error.message}` } };
  }
}

function view(keyring: Keyring, doc: CareDoc): CareRecordView {
  const { value, error } = opened<Record<string, unknown>>(keyring, doc, COLLECTIONS[doc.kind as CareKind]);
  return {
    ...doc.fields,
    ...(value ?? {}),
    type: doc.kind as CareKind,
    id: doc.entityId,
    patientId: doc.patientId,
    ...(doc.status === undefined ? {} : { status: doc.status }),
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
    keyId: doc.sealed?.kid ?? 'unknown',
    ...(error ? { error } : {}),
  };
}

/**
 * A patient's care records of one tenant, newest first, decrypted, cursor-paged across the kinds
 * asked for. Undefined when the tenant has nothing about this patient (the route answers 404,
 * which is also what another tenant sees: no hint that the patient exists elsewhere). A record
 * whose ciphertext does not open is listed with `error` and without its secret fields; the rest
 * of the page is unaffected.
 */
export async function findCareRecords(conn: Connection, keyring: Keyring, tenantCode: string, patientId: string, query: CareQuery = {}): Promise<CareRecordsPage | undefined> {
  const limit = Math.min(Math.max(query.limit ?? DEFAULT_PAGE, 1), MAX_PAGE);
  const types = query.types ?? CARE_KINDS;
  const filter: Record<string, unknown> = { tenantCode, patientId };
  if (query.cursor !== undefined) filter.sortKey = { $lt: decodeCursor(query.cursor) };
  try {
    const [patient, ...lists] = await Promise.all([
      conn.collection<CareDoc>(COLLECTIONS.patient).findOne({ _id: docId(tenantCode, patientId) }),
      ...types.map((t) => conn.collection<CareDoc>(COLLECTIONS[t]).find(filter).sort({ sortKey: -1 }).limit(limit + 1).toArray()),
    ]);
    const docs = lists.flat().sort((a, b) => (a.sortKey < b.sortKey ? 1 : a.sortKey > b.sortKey ? -1 : 0));
    if (!patient && docs.length === 0 && query.cursor === undefined && !(await anyRecord(conn, tenantCode, patientId))) return undefined;
    const page = docs.slice(0, limit);
    const contact = patient ? opened<PatientContactView>(keyring, patient, COLLECTIONS.patient) : {};
    return {
      patientId,
      tenantCode,
      contact: contact.value ?? null,
      ...(contact.error ? { contactError: contact.error } : {}),
      items: page.map((d) => view(keyring, d)),
      nextCursor: docs.length > limit ? encodeCursor(page[page.length - 1]!.sortKey) : null,
    };
  } catch (error) {
    throw mongoAppError(error, { op: 'care read' });
  }
}

/** A per-kind read of a patient the tenant knows only through another kind is an empty page, not 404. */
async function anyRecord(conn: Connection, tenantCode: string, patientId: string): Promise<boolean> {
  const found = await Promise.all(CARE_KINDS.map((t) => conn.collection(COLLECTIONS[t]).findOne({ tenantCode, patientId }, { projection: { _id: 1 } })));
  return found.some((d) => d !== null);
}
