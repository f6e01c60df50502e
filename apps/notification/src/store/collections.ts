import type { Sealed } from '@medlives/crypto';
import type { Channel } from '../config';

/** The delivery record: one per event and channel, also the outbox the dispatcher drains. */
export const DELIVERIES_COLLECTION = 'notification_deliveries';
/** One document per send attempt; inserting it (unique _id) is the claim to make that attempt. */
export const CLAIMS_COLLECTION = 'notification_claims';
/** The customer of each order, from order.created / order.updated. */
export const CONTACTS_COLLECTION = 'notification_contacts';
/**
 * FerretDB only: one marker per delivery the outbox still owes work on (`_id` = delivery id),
 * removed when the delivery settles. FerretDB v1 plans no query on the `nextAttemptAt` index, so
 * the sweep reads this small collection instead of decoding every delivery ever made.
 */
export const DUE_COLLECTION = 'notification_due';
/** Collections holding a `sealed` value under `aadOf(collection, _id)` (key rotation re-seals them). */
export const NOTIFICATION_SEALED_COLLECTIONS = [DELIVERIES_COLLECTION, CONTACTS_COLLECTION] as const;

/**
 * What binds a sealed value to its record; the same spelling as @medlives/care's `aadOf`, so
 * `medlives keys rotate` re-seals these collections with the care ones.
 */
export const aadOf = (collection: string, id: string) => `medlives:${collection}:${id}`;

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

/** The fields of a delivery that may carry patient or customer data: sealed at rest. */
export interface DeliverySecret {
  recipient: string | null;
  subject: string;
  body: string;
  source: SourceRecord;
}

/** A delivery as the process handles it (in clear). In the database see `StoredDelivery`. */
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

/**
 * A delivery as stored: recipient, subject, body and the source record sealed together
 * (AES-256-GCM, `sealed`); rows written before sealing may still carry them in clear.
 */
export type StoredDelivery = Omit<DeliveryDoc, keyof DeliverySecret> & Partial<DeliverySecret> & { sealed?: Sealed };

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
  /** The Contact (name, phone, email) as sealed JSON. */
  sealed: Sealed;
  updatedAt: Date;
}

export interface DueDoc {
  /** The delivery id. */
  _id: string;
  /** The delivery's nextAttemptAt. */
  at: Date;
}

export const deliveryId = (eventId: string, channel: Channel) => `${eventId}:${channel}`;
export const claimId = (delivery: string, attempt: number) => `${delivery}#${attempt}`;
