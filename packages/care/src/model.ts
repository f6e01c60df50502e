import type { Sealed } from '@medlives/crypto';

export type CareKind = 'appointment' | 'prescription' | 'health_record';

/** One collection per kind; patients hold the sealed contact; reminder claims make reminders once. */
export const COLLECTIONS = {
  appointment: 'care_appointments',
  prescription: 'care_prescriptions',
  health_record: 'care_health_records',
  patient: 'care_patients',
  reminderClaims: 'care_reminder_claims',
} as const;

export const CARE_KINDS: readonly CareKind[] = ['appointment', 'prescription', 'health_record'];

/** The collections whose documents carry a `sealed` value (what `keys rotate` walks). */
export const SEALED_COLLECTIONS = [COLLECTIONS.appointment, COLLECTIONS.prescription, COLLECTIONS.health_record, COLLECTIONS.patient] as const;

/** Fields of each kind that are sealed at rest; everything else is stored in the clear. */
export const SECRET_FIELDS: Readonly<Record<CareKind | 'patient', readonly string[]>> = {
  appointment: ['reason', 'notes', 'cancelReason'],
  prescription: ['medication', 'dosage', 'frequency', 'cancelReason'],
  health_record: ['description', 'results', 'diagnosis', 'treatment'],
  patient: ['name', 'phone', 'email'],
};

/** A late or illegal fact that was not applied, kept (bounded) on the record for operators. */
export interface Rejection {
  readonly eventId: string;
  readonly eventType: string;
  readonly reason: string;
  readonly at: string;
}

/**
 * What the fold works on: a record with its secret fields in the clear (in memory only).
 * `pos` is the highest offset applied per topic-partition: a redelivered or replayed event is at
 * or below it and changes nothing. `applied` (bounded) catches the same event arriving through
 * another topic (the group's re-drive topic).
 */
export interface RecordState {
  readonly kind: CareKind | 'patient';
  readonly tenantCode: string;
  readonly patientId: string;
  readonly entityId: string;
  status?: string;
  fields: Record<string, unknown>;
  secret: Record<string, unknown>;
  createdAt: string;
  updatedAt: string;
  pos: Record<string, string>;
  applied: string[];
  rejected: Rejection[];
}

/** The stored document: `secret` replaced by its sealed form. */
export interface CareDoc {
  /** `<tenantCode>:<entityId>` (entity id = patient id for patients) */
  _id: string;
  kind: CareKind | 'patient';
  tenantCode: string;
  patientId: string;
  entityId: string;
  status?: string;
  fields: Record<string, unknown>;
  sealed: Sealed;
  /** Newest first within a patient: `<createdAt>|<kind>|<entityId>`; the read side pages on it. */
  sortKey: string;
  createdAt: string;
  updatedAt: string;
  /** Appointments: when it starts (date + time, UTC), for reminders. */
  startsAt?: Date;
  /** RecordState.pos as a list: topic names hold '.', which a document key may not (FerretDB refuses it). */
  pos: { k: string; o: string }[];
  applied: string[];
  rejected: Rejection[];
  /** Optimistic concurrency: a replace matches the revision it read. */
  rev: number;
}

export const docId = (tenantCode: string, entityId: string) => `${tenantCode}:${entityId}`;
export const collectionOf = (kind: CareKind | 'patient') => COLLECTIONS[kind];
/** Additional authenticated data: a ciphertext opens only on the record it was sealed for. */
export const aadOf = (collection: string, id: string) => `medlives:${collection}:${id}`;
