import type { Envelope } from '@medlives/events';
import { type CareKind, type RecordState, SECRET_FIELDS } from './model';

const MAX_APPLIED = 50;
const MAX_REJECTED = 20;

/** Appointment and prescription status machines; a terminal status has no way out. */
const TRANSITIONS: Readonly<Record<'appointment' | 'prescription', Readonly<Record<string, readonly string[]>>>> = {
  appointment: { scheduled: ['confirmed', 'completed', 'cancelled'], confirmed: ['completed', 'cancelled'], completed: [], cancelled: [] },
  prescription: { active: ['inactive', 'completed', 'cancelled'], inactive: ['active', 'completed', 'cancelled'], completed: [], cancelled: [] },
};

export interface Position {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
}

/**
 * What one event does to one record. `skipped`: already applied (replay); `rejected`: a late or
 * illegal fact kept on the record; `unknown`: an update of a record that was never created
 * (dead-lettered, so it can be re-driven once the creation arrives).
 */
export type FoldOutcome = 'applied' | 'skipped' | 'rejected' | 'unknown' | 'ignored';

/** Which record an event is about, and the patient whose contact it may carry. */
export function targetOf(e: Envelope): { kind: CareKind; entityId: string; patientId: string } | undefined {
  const d = e.data as Record<string, unknown>;
  switch (e.eventType) {
    case 'appointment.booked':
    case 'appointment.updated':
    case 'appointment.cancelled':
    case 'appointment.completed':
      return { kind: 'appointment', entityId: d.appointmentId as string, patientId: d.patientId as string };
    case 'prescription.created':
    case 'prescription.updated':
    case 'prescription.cancelled':
      return { kind: 'prescription', entityId: d.prescriptionId as string, patientId: d.patientId as string };
    case 'health_record.created':
    case 'health_record.updated':
      return { kind: 'health_record', entityId: d.recordId as string, patientId: d.patientId as string };
    default:
      return undefined;
  }
}

/** Events that open a record; they may carry the patient's contact. */
export const isCreation = (e: Envelope) => e.eventType === 'appointment.booked' || e.eventType === 'prescription.created' || e.eventType === 'health_record.created';

function split(kind: CareKind | 'patient', values: Record<string, unknown>): { fields: Record<string, unknown>; secret: Record<string, unknown> } {
  const fields: Record<string, unknown> = {};
  const secret: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(values)) {
    if (v === undefined) continue;
    (SECRET_FIELDS[kind].includes(k) ? secret : fields)[k] = v;
  }
  return { fields, secret };
}

const cmpOffset = (a: string, b: string) => (BigInt(a) < BigInt(b) ? -1 : BigInt(a) > BigInt(b) ? 1 : 0);

/** Already applied: at or below the partition's high-water mark, or a recently applied event id. */
export function seen(state: RecordState, e: Envelope, at: Position): boolean {
  const mark = state.pos[`${at.topic}:${at.partition}`];
  return (mark !== undefined && cmpOffset(at.offset, mark) <= 0) || state.applied.includes(e.eventId);
}

function remember(state: RecordState, e: Envelope, at: Position): void {
  state.pos[`${at.topic}:${at.partition}`] = at.offset;
  state.applied = [...state.applied, e.eventId].slice(-MAX_APPLIED);
}

function reject(state: RecordState, e: Envelope, reason: string): FoldOutcome {
  state.rejected = [...state.rejected, { eventId: e.eventId, eventType: e.eventType, reason, at: e.occurredAt }].slice(-MAX_REJECTED);
  return 'rejected';
}

/** A new record from its creation event. */
export function createRecord(e: Envelope, at: Position): RecordState | undefined {
  const target = targetOf(e);
  if (!target || !isCreation(e)) return undefined;
  const { appointmentId: _a, prescriptionId: _p, recordId: _r, patientId: _pid, patient: _contact, status, ...rest } = e.data as Record<string, unknown>;
  const { fields, secret } = split(target.kind, rest);
  const state: RecordState = {
    kind: target.kind,
    tenantCode: e.tenantCode,
    patientId: target.patientId,
    entityId: target.entityId,
    ...(status === undefined ? {} : { status: status as string }),
    fields,
    secret,
    createdAt: e.occurredAt,
    updatedAt: e.occurredAt,
    pos: {},
    applied: [],
    rejected: [],
  };
  remember(state, e, at);
  return state;
}

function transition(state: RecordState, e: Envelope, to: string): string | undefined {
  const machine = TRANSITIONS[state.kind as 'appointment' | 'prescription'];
  if (!machine || state.status === undefined || state.status === to) return undefined;
  return machine[state.status]?.includes(to) ? undefined : `${state.kind} is ${state.status}; ${e.eventType} cannot make it ${to}`;
}

/**
 * Applies one event to an existing record, in partition order. Terminal records (a cancelled or
 * completed appointment, a cancelled or completed prescription) take no further change: a late
 * update is kept in `rejected`, never applied.
 */
export function applyEvent(state: RecordState, e: Envelope, at: Position): FoldOutcome {
  if (seen(state, e, at)) return 'skipped';
  remember(state, e, at);
  const d = e.data as Record<string, unknown>;
  const terminal = state.status !== undefined && (TRANSITIONS[state.kind as 'appointment' | 'prescription']?.[state.status]?.length ?? 1) === 0;
  switch (e.eventType) {
    case 'appointment.booked':
    case 'prescription.created':
    case 'health_record.created':
      return reject(state, e, `${state.kind} ${state.entityId} already exists`);
    case 'appointment.updated':
    case 'prescription.updated':
    case 'health_record.updated': {
      const changes = d.changes as Record<string, unknown>;
      if (terminal) return reject(state, e, `${state.kind} is ${state.status}; late update not applied`);
      const { status, ...rest } = changes;
      if (typeof status === 'string') {
        const illegal = transition(state, e, status);
        if (illegal) return reject(state, e, illegal);
        state.status = status;
      }
      const { fields, secret } = split(state.kind, rest);
      Object.assign(state.fields, fields);
      Object.assign(state.secret, secret);
      state.updatedAt = e.occurredAt;
      return 'applied';
    }
    case 'appointment.cancelled':
    case 'prescription.cancelled':
    case 'appointment.completed': {
      const to = e.eventType === 'appointment.completed' ? 'completed' : 'cancelled';
      if (state.status === to) return 'skipped';
      const illegal = transition(state, e, to);
      if (illegal) return reject(state, e, illegal);
      state.status = to;
      if (typeof d.reason === 'string') state.secret.cancelReason = d.reason;
      if (typeof d.notes === 'string') state.secret.notes = d.notes;
      state.updatedAt = e.occurredAt;
      return 'applied';
    }
    default:
      return 'ignored';
  }
}

/** The patient's contact: the latest creation event that carries one wins. */
export function applyContact(state: RecordState | undefined, e: Envelope, at: Position, patientId: string): { state: RecordState; outcome: FoldOutcome } | undefined {
  const contact = (e.data as { patient?: Record<string, unknown> }).patient;
  if (!contact) return undefined;
  if (!state) {
    const created: RecordState = { kind: 'patient', tenantCode: e.tenantCode, patientId, entityId: patientId, fields: {}, secret: { ...contact }, createdAt: e.occurredAt, updatedAt: e.occurredAt, pos: {}, applied: [], rejected: [] };
    remember(created, e, at);
    return { state: created, outcome: 'applied' };
  }
  if (seen(state, e, at)) return { state, outcome: 'skipped' };
  remember(state, e, at);
  if (e.occurredAt < state.updatedAt) return { state, outcome: 'rejected' };
  state.secret = { ...contact };
  state.updatedAt = e.occurredAt;
  return { state, outcome: 'applied' };
}

/** When an appointment starts, as a UTC instant (the event's date and time carry no zone). */
export function startsAt(state: RecordState): Date | undefined {
  if (state.kind !== 'appointment') return undefined;
  const { date, time } = state.fields as { date?: string; time?: string };
  return date && time ? new Date(`${date}T${time}:00.000Z`) : undefined;
}
