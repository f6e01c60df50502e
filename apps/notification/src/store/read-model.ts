import type { Connection } from 'mongoose';
import { DELIVERIES_COLLECTION, type DeliveryDoc } from './collections';

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
  readonly subject: string;
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
 */
export async function findNotifications(
  conn: Connection,
  scope: { tenantCode: string } | { admin: true },
  subject: { orderId: string } | { patientId: string },
  tenantCode?: string,
): Promise<NotificationView[]> {
  const filter: Record<string, unknown> = { ...subject };
  if ('tenantCode' in scope) filter.tenantCode = scope.tenantCode;
  else if (tenantCode) filter.tenantCode = tenantCode;
  const docs = await conn
    .collection<DeliveryDoc>(DELIVERIES_COLLECTION)
    .find(filter, { projection: { source: 0, body: 0 } })
    .limit(MAX_NOTIFICATIONS)
    .toArray();
  return docs
    .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || a._id.localeCompare(b._id))
    .map((d) => ({
      id: d._id,
      eventId: d.eventId,
      eventType: d.eventType,
      channel: d.channel,
      tenantCode: d.tenantCode,
      ...(d.orderId ? { orderId: d.orderId } : {}),
      ...(d.patientId ? { patientId: d.patientId } : {}),
      recipient: d.recipient,
      subject: d.subject,
      status: d.status,
      ...(d.reason ? { reason: d.reason } : {}),
      attempts: d.attempts,
      ...(d.lastError ? { lastError: d.lastError } : {}),
      createdAt: d.createdAt.toISOString(),
      ...(d.sentAt ? { sentAt: d.sentAt.toISOString() } : {}),
    }));
}
