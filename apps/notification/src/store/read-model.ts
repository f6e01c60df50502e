import type { Connection } from 'mongoose';
import { AppError } from '@medlives/errors';
import type { Keyring } from '@medlives/crypto';
import { DELIVERIES_COLLECTION, type DeliveryDoc, type DeliverySecret, type StoredDelivery, aadOf } from './collections';

/** What `GET /api/v1/notifications` shows of a delivery: no raw source record, no claim internals. */
export interface NotificationView {
  readonly id: string;
  readonly eventId: string;
  readonly eventType: string;
  readonly channel: string;
  readonly tenantCode: string;
  readonly orderId?: string;
  readonly patientId?: string;
  readonly recipient: string | null;
  readonly subject?: string;
  /** Set when the record's sealed fields could not be opened (recipient and subject then absent). */
  readonly error?: string;
  readonly status: DeliveryDoc['status'];
  readonly reason?: string;
  readonly attempts: number;
  readonly lastError?: string;
  readonly createdAt: string;
  readonly sentAt?: string;
}

export const MAX_NOTIFICATIONS = 200;

/**
 * Notifications of one order or patient, newest first, within the reader's scope (a tenant sees
 * its own; an admin names the tenant or reads across). Used by the producer API's read route.
 * Recipient and subject are sealed at rest and opened here for the reader in scope; a record
 * that does not open (altered, or its key not configured on this API) is listed with `error`.
 */
export async function findNotifications(
  conn: Connection,
  keyring: Pick<Keyring, 'openJson'> | undefined,
  scope: { tenantCode: string } | { admin: true },
  subject: { orderId: string } | { patientId: string },
  tenantCode?: string,
): Promise<NotificationView[]> {
  const filter: Record<string, unknown> = { ...subject };
  if ('tenantCode' in scope) filter.tenantCode = scope.tenantCode;
  else if (tenantCode) filter.tenantCode = tenantCode;
  const docs = await conn
    .collection<StoredDelivery>(DELIVERIES_COLLECTION)
    .find(filter, { projection: { source: 0, body: 0 } })
    .limit(MAX_NOTIFICATIONS)
    .toArray();
  return docs
    .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || a._id.localeCompare(b._id))
    .map((d) => ({
      ...clear(d, keyring),
      id: d._id,
      eventId: d.eventId,
      eventType: d.eventType,
      channel: d.channel,
      tenantCode: d.tenantCode,
      ...(d.orderId ? { orderId: d.orderId } : {}),
      ...(d.patientId ? { patientId: d.patientId } : {}),
      status: d.status,
      ...(d.reason ? { reason: d.reason } : {}),
      attempts: d.attempts,
      ...(d.lastError ? { lastError: d.lastError } : {}),
      createdAt: d.createdAt.toISOString(),
      ...(d.sentAt ? { sentAt: d.sentAt.toISOString() } : {}),
    }));
}

/** Recipient and subject of a stored delivery (sealed, or in clear on rows from before sealing). */
function clear(d: StoredDelivery, keyring: Pick<Keyring, 'openJson'> | undefined): { recipient: string | null; subject?: string; error?: string } {
  if (!d.sealed) return { recipient: d.recipient ?? null, ...(d.subject !== undefined ? { subject: d.subject } : {}) };
  if (!keyring) throw new AppError('CONFIG_INVALID', 'notifications cannot be read: ENCRYPTION_KEYS is not configured on this reader');
  try {
    const secret = keyring.openJson<DeliverySecret>(d.sealed, aadOf(DELIVERIES_COLLECTION, d._id));
    return { recipient: secret.recipient, subject: secret.subject };
  } catch (error) {
    return { recipient: null, error: `sealed fields cannot be opened: ${(error as Error).message}` };
  }
}
