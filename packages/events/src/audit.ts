import { z } from 'zod';
import { Id, NonEmptyText } from './common';

const Subject = { subjectId: Id, subjectType: z.enum(['patient', 'customer', 'user', 'order']) };

export const DataAccessedData = z.strictObject({
  ...Subject,
  resource: NonEmptyText(100),
  resourceId: Id,
  purpose: NonEmptyText(200).optional(),
});
export const DataModifiedData = z.strictObject({
  ...Subject,
  resource: NonEmptyText(100),
  resourceId: Id,
  fields: z.array(NonEmptyText(100)).min(1).max(100),
});
export const LoginAttemptData = z.strictObject({
  subjectId: Id,
  subjectType: z.literal('user'),
  success: z.boolean(),
  method: z.enum(['password', 'api_key', 'sso', 'otp']),
  ip: z.union([z.ipv4(), z.ipv6()]).optional(),
  reason: NonEmptyText(200).optional(),
});

/*
 * Version 2: what the producer API records for every accepted write and every read of patient
 * data. "Who" is the envelope's actor (API key id and role) and tenantCode, "when" its occurredAt,
 * the correlation id its correlationId; the data says what was done to which subject and how it
 * ended, so a denied read is as visible as a successful one.
 */
export const AuditOutcome = z.enum(['success', 'denied', 'not_found', 'invalid', 'failed']);
const SubjectV2 = {
  subjectId: Id,
  subjectType: z.enum(['patient', 'customer', 'user', 'order', 'product', 'appointment', 'prescription', 'health_record', 'tenant']),
};
const RequestFacts = {
  /** e.g. `GET /api/v1/patients/{patientId}/records` — the route, not the raw URL. */
  action: NonEmptyText(200),
  outcome: AuditOutcome,
  httpStatus: z.number().int().min(100).max(599),
  /** The tenant whose data was asked for, when it differs from the actor's (admin or a denied attempt). */
  targetTenant: NonEmptyText(64).optional(),
};
export const DataAccessedDataV2 = z.strictObject({
  ...SubjectV2,
  ...RequestFacts,
  resource: NonEmptyText(100),
  resourceId: Id.optional(),
  purpose: NonEmptyText(200).optional(),
});
export const DataModifiedDataV2 = z.strictObject({
  ...SubjectV2,
  ...RequestFacts,
  resource: NonEmptyText(100),
  resourceId: Id.optional(),
  /** Top-level fields the request carried (names only, never values). */
  fields: z.array(NonEmptyText(100)).max(100),
  /** The event the write published, when it published one. */
  eventId: z.uuid().optional(),
});
