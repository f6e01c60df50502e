import type { Channel } from '../config';

/** The delivery record: one per event and channel, also the outbox the dispatcher drains. */
export const DELIVERIES_COLLECTION = 'notification_deliveries';
/** One document per send attempt; inserting it (unique _id) is the claim to make that attempt. */
export const CLAIMS_COLLECTION = 'notification_claims';
/** The customer of each order, from order.created / order.updated. */
export const CONTACTS_COLLECTION = 'notification_contacts';

/**
 * pending: owed (first try or a retry at `nextAttemptAt`); sent: the provider accepted it;
 * failed: attempts exhausted or refused permanently, dead-lettered; unknown: an attempt was
 * claimed but its outcome never recorded (crash between send and record) — not resent;
 * skipped: opted out or no recipient.
 */
export type DeliveryStatus = 'pending' | 'sent' | 'failed' | 'unknown' | 'skipped';

/** The Kafka record the delivery came from, kept to dead-letter it unchanged. */
export interface SourceRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  /** base64, null when the record had none */
  readonly key: string | null;
  readonly value: string | null;
  readonly headers: Record<string, string>;
}

export interface DeliveryDoc {
  /** `<eventId>:<channel>`, the provider's idempotency key. */
  _id: string;
  eventId: string;
  eventType: string;
  channel: Channel;
  tenantCode: string;
  orderId?: string;
  patientId?: string;
  recipient: string | null;
  subject: string;
  body: string;
  status: DeliveryStatus;
  /** skipped: opted_out | no_recipient; unknown: why. */
  reason?: string;
  attempts: number;
  /** Set while the outbox owes work on this row (a send, or the DLQ hand-off); unset when settled. */
  nextAttemptAt?: Date;
  lastError?: string;
  providerMessageId?: string;
  /** failed rows: whether the dead letter was published. */
  deadLettered?: boolean;
  createdAt: Date;
  updatedAt: Date;
  sentAt?: Date;
  source: SourceRecord;
}

export interface ClaimDoc {
  /** `<deliveryId>#<attempt>` */
  _id: string;
  owner: string;
  at: Date;
  /** After this, a claim without a recorded outcome means its owner died mid-attempt. */
  leaseUntil: Date;
}

export interface ContactDoc {
  /** `<tenantCode>:<orderId>` */
  _id: string;
  name?: string;
  phone?: string;
  email?: string;
  updatedAt: Date;
}

export const deliveryId = (eventId: string, channel: Channel) => `${eventId}:${channel}`;
export const claimId = (delivery: string, attempt: number) => `${delivery}#${attempt}`;
