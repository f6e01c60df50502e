import { type Request, Router } from 'express';
import type { Connection } from 'mongoose';
import { z } from 'zod';
import { type CareKind, MAX_PAGE, findCareRecords } from '@medlives/care';
import type { Keyring } from '@medlives/crypto';
import { Id, toFieldIssues } from '@medlives/events';
import { HttpError } from '../http/errors';

const CURSOR = /^[A-Za-z0-9_-]{1,512}$/;

const CareQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(MAX_PAGE).optional(),
  cursor: z.string().regex(CURSOR, 'must be a nextCursor from a previous page').optional(),
});

/** Path segment after /patients/:patientId/ → the kinds it lists. */
const ROUTES: ReadonlyArray<{ path: string; types?: CareKind[]; operationId: string; what: string }> = [
  { path: 'records', operationId: 'listPatientRecords', what: 'appointments, prescriptions and health records' },
  { path: 'appointments', types: ['appointment'], operationId: 'listPatientAppointments', what: 'appointments' },
  { path: 'prescriptions', types: ['prescription'], operationId: 'listPatientPrescriptions', what: 'prescriptions' },
  { path: 'health-records', types: ['health_record'], operationId: 'listPatientHealthRecords', what: 'health records' },
];

function parse(req: Request): { patientId: string; limit?: number; cursor?: string } {
  const patientId = Id.safeParse(req.params.patientId);
  if (!patientId.success) throw new HttpError(422, 'SCHEMA_INVALID', 'invalid patientId', toFieldIssues(patientId.error, ['path', 'patientId']));
  const q = CareQuery.safeParse(req.query);
  if (!q.success) throw new HttpError(422, 'SCHEMA_INVALID', 'invalid query', toFieldIssues(q.error, ['query']));
  return { patientId: patientId.data, ...q.data };
}

/**
 * `GET /patients/:patientId/records|appointments|prescriptions|health-records`: the owning
 * tenant's records of a patient, decrypted, newest first, cursor-paged. Care data is decrypted
 * for the tenant that wrote it only: an admin key gets 403, another tenant 404 (it has no records
 * of that patient, and is not told whether anyone else has).
 */
export function careReadRoutes(connection: Connection, keyring: Keyring | undefined): Router {
  const router = Router();
  for (const route of ROUTES) {
    router.get(`/patients/:patientId/${route.path}`, async (req, res) => {
      const { patientId, limit, cursor } = parse(req);
      const principal = req.principal!;
      if (principal.role !== 'tenant') throw new HttpError(403, 'FORBIDDEN', 'care records are decrypted for the owning tenant only; use that tenant\'s key');
      if (!keyring) throw new HttpError(503, 'CONFIG_INVALID', 'care records cannot be read: ENCRYPTION_KEYS is not configured on this API', undefined, { 'Retry-After': '30' });
      const page = await findCareRecords(connection, keyring, principal.tenantCode, patientId, { ...(route.types ? { types: route.types } : {}), ...(limit ? { limit } : {}), ...(cursor ? { cursor } : {}) });
      if (!page) throw new HttpError(404, 'NOT_FOUND', `no care records of patient ${patientId} for this tenant`);
      res.json(page);
    });
  }
  return router;
}

const decryptError = {
  type: 'object',
  required: ['code', 'reason', 'message'],
  description: 'The record\'s ciphertext did not open (altered, or sealed with a key this API does not have); its secret fields are absent.',
  properties: { code: { const: 'DECRYPT_FAILED' }, reason: { enum: ['unknown_key', 'authentication_failed', 'malformed'] }, message: { type: 'string' } },
};

const record = {
  type: 'object',
  required: ['type', 'id', 'patientId', 'createdAt', 'updatedAt', 'keyId'],
  description: 'Clear fields of the record (doctorId, date, time, visitType, startDate, endDate, recordType, recordDate) and, decrypted, its secret ones (reason, notes, cancelReason; medication, dosage, frequency; description, results, diagnosis, treatment).',
  additionalProperties: true,
  properties: {
    type: { enum: ['appointment', 'prescription', 'health_record'] },
    id: { type: 'string' },
    patientId: { type: 'string' },
    status: { type: 'string' },
    createdAt: { type: 'string', format: 'date-time' },
    updatedAt: { type: 'string', format: 'date-time' },
    keyId: { type: 'string', description: 'id of the key the secret fields are sealed with' },
    error: decryptError,
  },
};

/** The OpenAPI operations of these routes (registered by routes/openapi.ts). */
export function careReadOperations(errors: (...codes: number[]) => Record<string, unknown>, idSchema: Record<string, unknown>): Array<{ path: string; operation: Record<string, unknown> }> {
  const page = {
    type: 'object',
    required: ['patientId', 'tenantCode', 'contact', 'items', 'nextCursor'],
    properties: {
      patientId: { type: 'string' },
      tenantCode: { type: 'string' },
      contact: { oneOf: [{ type: 'null' }, { type: 'object', properties: { name: { type: 'string' }, phone: { type: 'string' }, email: { type: 'string' } } }], description: 'latest contact given on a booking or creation, decrypted' },
      contactError: decryptError,
      items: { type: 'array', items: record },
      nextCursor: { type: ['string', 'null'] },
    },
  };
  return ROUTES.map((r) => ({
    path: `/patients/:patientId/${r.path}`,
    operation: {
      operationId: r.operationId,
      summary: `A patient's ${r.what}, decrypted for the owning tenant, newest first, cursor-paged`,
      description: 'Tenant keys only (an admin key gets 403: care data is decrypted for its owning tenant). 404 when this tenant has no records of the patient. A record whose ciphertext cannot be opened is listed with `error` instead of its secret fields.',
      tags: ['care'],
      parameters: [
        { name: 'patientId', in: 'path', required: true, schema: idSchema },
        { name: 'limit', in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: MAX_PAGE }, description: 'page size (default 50)' },
        { name: 'cursor', in: 'query', required: false, schema: { type: 'string', pattern: CURSOR.source }, description: 'nextCursor of the previous page' },
      ],
      responses: { '200': { description: 'A page of records', content: { 'application/json': { schema: page } } }, ...errors(401, 403, 404, 422, 429, 503) },
    },
  }));
}
