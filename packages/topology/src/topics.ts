/**
 * The one definition of MedLives topics (MISSION §2). Services, local infra, tests, the cdk8s app
 * and the Helm chart all read it from here: no topic name is written anywhere else.
 */

const DAY_MS = 24 * 60 * 60 * 1000;

export type Compression = 'gzip' | 'lz4';
/** Kafka `cleanup.policy` values used by MedLives. */
export type CleanupPolicy = 'delete' | 'compact,delete';

/**
 * Where a record key comes from: a top-level envelope field or a field of `data`.
 * Kafka only orders records per partition, so the key decides what "in order" means.
 */
export type KeyPath = `envelope.${string}` | `data.${string}` | 'original';

export interface TopicSpec {
  /** Base name; environments may prefix it (see `resolveTopicName`). */
  readonly name: string;
  readonly partitions: number;
  readonly retentionMs: number;
  readonly compression: Compression;
  readonly cleanupPolicy: CleanupPolicy;
  readonly key: KeyPath;
  /**
   * Event types keyed differently from `key`. Records of one key stay in order; different keys on
   * one topic are ordered only per key (e.g. inventory-events: order-level events per tenant,
   * stock.low per product).
   */
  readonly keyByEventType?: Readonly<Record<string, KeyPath>>;
  /** Event types published on this topic (see @medlives/events). */
  readonly eventTypes: readonly string[];
  readonly description: string;
}

function topic(spec: TopicSpec): TopicSpec {
  return Object.freeze({ ...spec, eventTypes: Object.freeze([...spec.eventTypes]) });
}

/** The key rule for one event type on its topic. */
export function keyPathFor(spec: TopicSpec, eventType: string): KeyPath {
  return spec.keyByEventType?.[eventType] ?? spec.key;
}

export const TOPICS = {
  orderEvents: topic({
    name: 'order-events',
    partitions: 6,
    retentionMs: 7 * DAY_MS,
    compression: 'gzip',
    cleanupPolicy: 'delete',
    key: 'envelope.tenantCode',
    eventTypes: ['order.created', 'order.updated', 'order.deleted'],
    description: 'Order lifecycle: created, updated, (soft) deleted',
  }),
  statusUpdates: topic({
    name: 'status-updates',
    partitions: 6,
    retentionMs: 7 * DAY_MS,
    compression: 'gzip',
    cleanupPolicy: 'delete',
    key: 'envelope.tenantCode',
    eventTypes: ['status.changed'],
    description: 'Order status transitions following the status machine',
  }),
  deliveryTracking: topic({
    name: 'delivery-tracking',
    partitions: 8,
    retentionMs: 1 * DAY_MS,
    compression: 'lz4',
    cleanupPolicy: 'delete',
    key: 'data.deliveryBoyId',
    eventTypes: ['delivery.location.update'],
    description: 'High-frequency courier positions',
  }),
  inventoryEvents: topic({
    name: 'inventory-events',
    partitions: 3,
    retentionMs: 7 * DAY_MS,
    compression: 'gzip',
    cleanupPolicy: 'delete',
    key: 'data.productId',
    // An order's stock events go with its order-events and status-updates: same key (the tenant),
    // and 3 divides 6, so partition p here holds exactly the tenants of partitions p and p+3 there.
    // order-persistence consumes all three; key affinity then gives one member a tenant's whole
    // history (and 3 members can share the group where the database cannot isolate writers).
    keyByEventType: {
      'stock.reserved': 'envelope.tenantCode',
      'stock.reservation_failed': 'envelope.tenantCode',
      'stock.released': 'envelope.tenantCode',
    },
    eventTypes: ['stock.reserved', 'stock.reservation_failed', 'stock.released', 'stock.low'],
    description: 'Stock reservations, releases and low-stock alerts',
  }),
  appointmentEvents: topic({
    name: 'appointment-events',
    partitions: 8,
    retentionMs: 30 * DAY_MS,
    compression: 'gzip',
    cleanupPolicy: 'delete',
    key: 'data.patientId',
    eventTypes: [
      'appointment.booked',
      'appointment.updated',
      'appointment.cancelled',
      'appointment.completed',
      'appointment.reminder',
    ],
    description: 'Clinic appointments',
  }),
  prescriptionEvents: topic({
    name: 'prescription-events',
    partitions: 4,
    retentionMs: 30 * DAY_MS,
    compression: 'gzip',
    cleanupPolicy: 'delete',
    key: 'data.patientId',
    eventTypes: ['prescription.created', 'prescription.updated', 'prescription.cancelled'],
    description: 'Prescriptions issued to patients',
  }),
  healthRecordEvents: topic({
    name: 'health-record-events',
    partitions: 4,
    retentionMs: 90 * DAY_MS,
    compression: 'gzip',
    cleanupPolicy: 'delete',
    key: 'data.patientId',
    eventTypes: ['health_record.created', 'health_record.updated'],
    description: 'Lab results, diagnoses and treatments',
  }),
  auditEvents: topic({
    name: 'audit-events',
    partitions: 12,
    retentionMs: 365 * DAY_MS,
    compression: 'gzip',
    // delete, never compact: compaction keyed by subject would keep only the newest record per
    // subject and erase the history an audit trail exists for (MISSION §2).
    cleanupPolicy: 'delete',
    key: 'data.subjectId',
    eventTypes: ['data.accessed', 'data.modified', 'login.attempt'],
    description: 'Who accessed or changed which data',
  }),
} as const satisfies Record<string, TopicSpec>;

export type TopicId = keyof typeof TOPICS;

/** Dead-letter topics keep the original key; 14 days gives operators time to inspect and re-drive. */
export const DLQ_RETENTION_MS = 14 * DAY_MS;
export const DLQ_COMPRESSION: Compression = 'gzip';

export function dlqTopic(groupId: string, partitions: number): TopicSpec {
  return topic({
    name: `${groupId}.dlq`,
    partitions,
    retentionMs: DLQ_RETENTION_MS,
    compression: DLQ_COMPRESSION,
    cleanupPolicy: 'delete',
    // A dead letter keeps the key of the record that failed, so a re-drive lands in order.
    key: 'original',
    eventTypes: [],
    description: `Messages ${groupId} could not process, with error headers`,
  });
}

/**
 * Where `medlives dlq redrive` sends a group's fixed dead letters: a topic only that group
 * consumes, so a re-drive reaches the group whose DLQ it came from and no other (a group that
 * already processed the original would act on it twice — a second notification, a second
 * reservation). Why not re-publish to the original topic with a header the other groups skip:
 * every consumer of that topic (other teams' tools, kcat, replays, future groups) would have to
 * know the header; the original topics would no longer be a faithful log of what the API
 * accepted (counts and replays of every group would see the copy); and nothing is gained for a
 * group that has not read the original yet — it reads the original itself. Keyed like the DLQ
 * (the original key), so one key's re-driven records are consumed in the order re-driven.
 */
export function redriveTopic(groupId: string, partitions: number): TopicSpec {
  return topic({
    name: `${groupId}.redrive`,
    partitions,
    retentionMs: DLQ_RETENTION_MS,
    compression: DLQ_COMPRESSION,
    cleanupPolicy: 'delete',
    key: 'original',
    eventTypes: [],
    description: `Dead letters of ${groupId} re-driven by an operator; consumed by ${groupId} only`,
  });
}

/** The topic that carries an event type, or undefined for an unknown type. */
export function topicForEventType(eventType: string): TopicSpec | undefined {
  return Object.values(TOPICS).find((t) => (t.eventTypes as readonly string[]).includes(eventType));
}
