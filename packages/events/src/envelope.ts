import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { AppError } from '@medlives/errors';
import { NonEmptyText, TenantCode, Timestamp } from './common';
import { type FieldIssue, toFieldIssues } from './issues';
import { type EventData, type EventDataInput, type EventType, dataSchema, isEventType, latestVersion } from './registry';

export const ActorRole = z.enum(['tenant', 'admin', 'doctor', 'patient', 'courier', 'system', 'service']);

export const Actor = z.strictObject({ userId: NonEmptyText(128), role: ActorRole });
export type Actor = z.infer<typeof Actor>;

/** MISSION §3: the envelope every event travels in; `data` is checked per type and version. */
export const EnvelopeBase = z.strictObject({
  eventId: z.uuid(),
  eventType: z.string(),
  version: z.number().int().positive(),
  occurredAt: Timestamp,
  source: NonEmptyText(100),
  tenantCode: TenantCode,
  correlationId: NonEmptyText(128),
  causationId: NonEmptyText(128).optional(),
  actor: Actor,
  data: z.unknown(),
});

interface EnvelopeOf<T extends EventType> {
  eventId: string;
  eventType: T;
  version: number;
  occurredAt: string;
  source: string;
  tenantCode: string;
  correlationId: string;
  causationId?: string;
  actor: Actor;
  data: EventData<T>;
}

/** Distributes over event types so `switch (e.eventType)` narrows `e.data`. */
export type Envelope<T extends EventType = EventType> = T extends EventType ? EnvelopeOf<T> : never;

export type ValidationResult<T> = { ok: true; value: T } | { ok: false; issues: FieldIssue[] };

/** Validates an envelope of any known type and version; issues name fields like `data.items.0.quantity`. */
export function validateEnvelope(input: unknown): ValidationResult<Envelope> {
  const base = EnvelopeBase.safeParse(input);
  if (!base.success) return { ok: false, issues: toFieldIssues(base.error) };
  const { eventType, version } = base.data;
  if (!isEventType(eventType)) return { ok: false, issues: [{ path: 'eventType', message: `unknown event type "${eventType}"` }] };
  const schema = dataSchema(eventType, version);
  if (!schema) {
    return { ok: false, issues: [{ path: 'version', message: `unsupported version ${version} of ${eventType}` }] };
  }
  const data = schema.safeParse(base.data.data);
  if (!data.success) return { ok: false, issues: toFieldIssues(data.error, ['data']) };
  const envelope = { ...base.data, eventType, data: data.data } as Envelope;
  const tenantInData = (data.data as { tenantCode?: unknown }).tenantCode;
  if (tenantInData !== undefined && tenantInData !== envelope.tenantCode) {
    return { ok: false, issues: [{ path: 'data.tenantCode', message: 'must equal the envelope tenantCode' }] };
  }
  return { ok: true, value: envelope };
}

export interface NewEventInput<T extends EventType> {
  eventType: T;
  tenantCode: string;
  source: string;
  actor: Actor;
  data: EventDataInput<T>;
  correlationId?: string;
  causationId?: string;
  eventId?: string;
  occurredAt?: Date;
}

/** Builds a valid envelope (latest schema version) or throws SCHEMA_INVALID naming the fields. */
export function createEvent<T extends EventType>(input: NewEventInput<T>): Envelope<T> {
  const candidate = {
    eventId: input.eventId ?? randomUUID(),
    eventType: input.eventType,
    version: latestVersion(input.eventType),
    occurredAt: (input.occurredAt ?? new Date()).toISOString(),
    source: input.source,
    tenantCode: input.tenantCode,
    correlationId: input.correlationId ?? randomUUID(),
    ...(input.causationId === undefined ? {} : { causationId: input.causationId }),
    actor: input.actor,
    data: input.data,
  };
  const result = validateEnvelope(candidate);
  if (!result.ok) {
    throw new AppError('SCHEMA_INVALID', `invalid ${input.eventType}: ${formatIssues(result.issues)}`, {
      context: { issues: result.issues },
    });
  }
  return result.value as unknown as Envelope<T>;
}

export function formatIssues(issues: readonly FieldIssue[]): string {
  return issues.map((i) => `${i.path}: ${i.message}`).join('; ');
}

