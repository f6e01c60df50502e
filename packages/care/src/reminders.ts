import { createHash } from 'node:crypto';
import type { Connection } from 'mongoose';
import { type Envelope, createEvent } from '@medlives/events';
import { mongoAppError } from '@medlives/mongo';
import { COLLECTIONS, type CareDoc } from './model';

/** One per appointment and start time: inserting it (unique _id) is the right to send the reminder. */
export interface ReminderClaim {
  /** `<tenantCode>:<appointmentId>@<startsAt ISO>`: a rescheduled appointment is reminded again. */
  _id: string;
  tenantCode: string;
  appointmentId: string;
  patientId: string;
  startsAt: Date;
  eventId: string;
  owner: string;
  claimedAt: Date;
  publishedAt?: Date;
}

export interface ReminderOptions {
  /** Appointments starting within this much of now are reminded. */
  readonly windowMs: number;
  /** A claim not marked published after this long is published again (same event id). */
  readonly leaseMs: number;
  /** Identifies this process in claims (pod name). */
  readonly owner: string;
  readonly publish: (events: Envelope[]) => Promise<void>;
  readonly now?: () => Date;
}

export interface SweepResult {
  readonly claimed: number;
  readonly published: number;
  /** Due appointments another replica had already claimed. */
  readonly lost: number;
}

const SOURCE = 'care-records-service';

/** A name-based (v5 layout) UUID: the same claim always yields the same reminder event id. */
export function reminderEventId(claimId: string): string {
  const h = createHash('sha1').update(`medlives:reminder:${claimId}`).digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
}

/**
 * Finds appointments that start within the window and are still on (scheduled / confirmed), and
 * publishes `appointment.reminder` for each exactly once across every replica: a replica first
 * inserts the reminder claim — a unique insert, atomic on MongoDB and on FerretDB (which has no
 * atomic conditional update) — and only the replica whose insert succeeded publishes. The event id
 * is derived from the claim, so a claim whose publish is re-done after a crash re-publishes the
 * same event, which notification-service de-duplicates by event id.
 */
export async function sweepReminders(conn: Connection, options: ReminderOptions): Promise<SweepResult> {
  const now = (options.now ?? (() => new Date()))();
  const claims = conn.collection<ReminderClaim>(COLLECTIONS.reminderClaims);
  let claimed = 0;
  let lost = 0;
  const toPublish: ReminderClaim[] = [];
  try {
    const due = await conn
      .collection<CareDoc>(COLLECTIONS.appointment)
      .find({ status: { $in: ['scheduled', 'confirmed'] }, startsAt: { $gt: now, $lte: new Date(now.getTime() + options.windowMs) } }, { projection: { _id: 1, tenantCode: 1, patientId: 1, entityId: 1, startsAt: 1 } })
      .toArray();
    for (const a of due) {
      const id = `${a._id}@${a.startsAt!.toISOString()}`;
      const claim: ReminderClaim = { _id: id, tenantCode: a.tenantCode, appointmentId: a.entityId, patientId: a.patientId, startsAt: a.startsAt!, eventId: reminderEventId(id), owner: options.owner, claimedAt: now };
      try {
        await claims.insertOne(claim);
        claimed++;
        toPublish.push(claim);
      } catch (error) {
        if ((error as { code?: number }).code !== 11000) throw error;
        lost++;
      }
    }
    // Claims whose owner died before recording the publish: publish again (same event id).
    const stale = await claims.find({ publishedAt: { $exists: false }, claimedAt: { $lt: new Date(now.getTime() - options.leaseMs) } }).toArray();
    toPublish.push(...stale);
  } catch (error) {
    throw mongoAppError(error, { op: 'reminder sweep' });
  }
  if (toPublish.length === 0) return { claimed, published: 0, lost };
  await options.publish(toPublish.map(reminderEvent));
  try {
    await Promise.all(toPublish.map((c) => claims.updateOne({ _id: c._id }, { $set: { publishedAt: now } })));
  } catch (error) {
    throw mongoAppError(error, { op: 'reminder mark' });
  }
  return { claimed, published: toPublish.length, lost };
}

/** The same claim always makes the same event (id, time, data). */
function reminderEvent(c: ReminderClaim): Envelope {
  return createEvent({
    eventType: 'appointment.reminder',
    eventId: c.eventId,
    tenantCode: c.tenantCode,
    source: SOURCE,
    correlationId: c._id,
    occurredAt: c.claimedAt,
    actor: { userId: SOURCE, role: 'service' },
    data: { appointmentId: c.appointmentId, patientId: c.patientId, remindAt: c.claimedAt.toISOString() },
  }) as Envelope;
}
