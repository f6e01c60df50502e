import { Router } from 'express';
import type { Connection } from 'mongoose';
import { z } from 'zod';
import { Id, Timestamp, toFieldIssues } from '@medlives/events';
// audit-service owns the audit trail; the API only reads it.
import { AuditStore } from '../../../audit/src/store/audit-store';
import { HttpError } from '../http/errors';

export const MAX_AUDIT = 500;

const AuditQuery = z.strictObject({
  subject: Id.optional(),
  from: Timestamp.optional(),
  to: Timestamp.optional(),
  limit: z.coerce.number().int().min(1).max(MAX_AUDIT).default(100),
});

/** `GET /audit?subject=&from=&to=`: the audit trail, oldest first, for admin keys only. */
export function auditReadRoutes(connection: Connection): Router {
  const router = Router();
  const store = new AuditStore(connection);
  router.get('/audit', async (req, res) => {
    if (req.principal?.role !== 'admin') throw new HttpError(403, 'FORBIDDEN', 'the audit trail is for admin keys only');
    const parsed = AuditQuery.safeParse(req.query);
    if (!parsed.success) throw new HttpError(422, 'SCHEMA_INVALID', 'invalid query', toFieldIssues(parsed.error, ['query']));
    const { subject, from, to, limit } = parsed.data;
    const items = await store.find({ limit, ...(subject ? { subject } : {}), ...(from ? { from: new Date(from) } : {}), ...(to ? { to: new Date(to) } : {}) });
    res.json({ items });
  });
  return router;
}

const AuditRecord = {
  type: 'object',
  required: ['eventId', 'eventType', 'occurredAt', 'tenantCode', 'actor', 'correlationId', 'subjectId', 'subjectType', 'data'],
  properties: {
    eventId: { type: 'string', format: 'uuid' },
    eventType: { enum: ['data.accessed', 'data.modified', 'login.attempt'] },
    occurredAt: { type: 'string', format: 'date-time' },
    tenantCode: { type: 'string', description: "the actor's tenant (admin keys: admin)" },
    actor: { type: 'object', required: ['userId', 'role'], properties: { userId: { type: 'string', description: 'the API key id (key-<sha256 prefix>)' }, role: { type: 'string' } } },
    correlationId: { type: 'string' },
    subjectId: { type: 'string' },
    subjectType: { type: 'string' },
    action: { type: 'string', description: 'e.g. GET /api/v1/patients/{patientId}/records' },
    outcome: { enum: ['success', 'denied', 'not_found', 'invalid', 'failed'] },
    httpStatus: { type: 'integer' },
    data: { type: 'object' },
  },
};

export function auditOperation(errors: (...codes: number[]) => Record<string, unknown>, tsSchema: Record<string, unknown>): Record<string, unknown> {
  const q = (name: string, schema: Record<string, unknown>, description: string) => ({ name, in: 'query', required: false, schema, description });
  return {
    operationId: 'listAudit',
    summary: `The audit trail (admin keys only; oldest first, at most ${MAX_AUDIT})`,
    description: 'Who read or changed what, when, with which correlation id and outcome. Tenant keys get 403.',
    tags: ['audit'],
    parameters: [
      q('subject', { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$' }, 'the subject id (patient, order, ...)'),
      q('from', tsSchema, 'occurredAt >= from (UTC, ending in Z)'),
      q('to', tsSchema, 'occurredAt < to (UTC, ending in Z)'),
      q('limit', { type: 'integer', minimum: 1, maximum: MAX_AUDIT }, 'at most this many (default 100)'),
    ],
    responses: {
      '200': { description: 'Audit records', content: { 'application/json': { schema: { type: 'object', required: ['items'], properties: { items: { type: 'array', items: AuditRecord } } } } } },
      ...errors(401, 403, 422, 429, 503),
    },
  };
}
