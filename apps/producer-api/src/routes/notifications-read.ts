import { Router } from 'express';
import type { Connection } from 'mongoose';
import { z } from 'zod';
import type { Keyring } from '@medlives/crypto';
import { Id, toFieldIssues } from '@medlives/events';
// The notification worker owns the delivery records; this route only reads them.
import { MAX_NOTIFICATIONS, findNotifications } from '../../../notification/src/store/read-model';
import { readScope } from '../http/auth';
import { HttpError } from '../http/errors';

const NotificationsQuery = z
  .strictObject({ orderId: Id.optional(), patientId: Id.optional(), tenantCode: z.string().optional() })
  .refine((q) => (q.orderId === undefined) !== (q.patientId === undefined), { message: 'give exactly one of orderId, patientId', path: ['orderId'] });

/** `GET /notifications?orderId=|patientId=`: what was sent, when, on which channel, with which outcome. */
export function notificationReadRoutes(connection: Connection, keyring: Keyring | undefined): Router {
  const router = Router();
  router.get('/notifications', async (req, res) => {
    const parsed = NotificationsQuery.safeParse(req.query);
    if (!parsed.success) throw new HttpError(422, 'SCHEMA_INVALID', 'invalid query', toFieldIssues(parsed.error, ['query']));
    const { orderId, patientId, tenantCode } = parsed.data;
    const principal = req.principal!;
    // A tenant reads only its own; naming another tenant is refused (and audited as denied), not ignored.
    if (principal.role !== 'admin' && tenantCode !== undefined && tenantCode !== principal.tenantCode) {
      throw new HttpError(403, 'FORBIDDEN', `this key cannot read tenant ${tenantCode}`);
    }
    const subject = orderId ? { orderId } : { patientId: patientId! };
    // Recipients and subjects are sealed at rest (notification-service); this API opens them for the reader in scope.
    if (!keyring) throw new HttpError(503, 'CONFIG_INVALID', 'notifications cannot be read: ENCRYPTION_KEYS is not configured on this API', undefined, { 'Retry-After': '30' });
    const items = await findNotifications(connection, keyring, readScope(principal), subject, tenantCode);
    res.json({ items });
  });
  return router;
}

const notification = {
  type: 'object',
  required: ['id', 'eventId', 'eventType', 'channel', 'tenantCode', 'recipient', 'status', 'attempts', 'createdAt'],
  properties: {
    id: { type: 'string', description: '<eventId>:<channel>, also the provider idempotency key' },
    eventId: { type: 'string', format: 'uuid' },
    eventType: { type: 'string' },
    channel: { enum: ['sms', 'email', 'push'] },
    tenantCode: { type: 'string' },
    orderId: { type: 'string' },
    patientId: { type: 'string' },
    recipient: { type: ['string', 'null'] },
    subject: { type: 'string' },
    error: { type: 'string', description: 'set when the record\'s sealed recipient and subject could not be opened (altered, or sealed under a key this API does not have); they are then absent' },
    status: { enum: ['pending', 'sent', 'failed', 'unknown', 'skipped'] },
    reason: { type: 'string', description: 'skipped: opted_out | no_recipient; unknown: why' },
    attempts: { type: 'integer' },
    lastError: { type: 'string' },
    createdAt: { type: 'string', format: 'date-time' },
    sentAt: { type: 'string', format: 'date-time' },
  },
};

/** The OpenAPI operation of the route (registered by routes/openapi.ts). */
export function notificationsOperation(errors: (...codes: number[]) => Record<string, unknown>): Record<string, unknown> {
  const q = (name: string, schema: Record<string, unknown>, description: string) => ({ name, in: 'query', required: false, schema, description });
  return {
    operationId: 'listNotifications',
    summary: `Notifications sent for an order or a patient (newest first, at most ${MAX_NOTIFICATIONS})`,
    description: 'Give exactly one of `orderId` or `patientId` (422 naming `query.orderId` otherwise).',
    tags: ['notifications'],
    parameters: [
      q('orderId', { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$' }, 'exactly one of orderId, patientId'),
      q('patientId', { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$' }, 'exactly one of orderId, patientId'),
      q('tenantCode', { type: 'string' }, 'admin only: the tenant (a tenant key naming another tenant gets 403)'),
    ],
    responses: {
      '200': { description: 'Deliveries with channel, status and attempts', content: { 'application/json': { schema: { type: 'object', required: ['items'], properties: { items: { type: 'array', items: notification } } } } } },
      ...errors(401, 403, 422, 429, 503),
    },
  };
}
