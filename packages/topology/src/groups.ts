import { TOPICS, dlqTopic, redriveTopic, type TopicSpec } from './topics';

export type ConsumeMode = 'batch' | 'single';

export interface BatchSpec {
  /** Flush when this many events are buffered... */
  readonly maxEvents: number;
  /** ...or when the oldest buffered event has waited this long, whichever comes first. */
  readonly maxWaitMs: number;
}

export interface ConsumerGroupSpec {
  /** Kafka consumer group id. */
  readonly id: string;
  /** Deployable under apps/ that runs this group. */
  readonly app: string;
  /** False while the group is specified but its app is not built yet: nothing deploys it. */
  readonly available: boolean;
  readonly topics: readonly TopicSpec[];
  /** Topics the group's app publishes to besides its DLQ (its KafkaUser may write them). @default [] */
  readonly publishes?: readonly TopicSpec[];
  readonly mode: ConsumeMode;
  readonly batch: BatchSpec;
  /** Partitions processed concurrently by one instance. */
  readonly concurrency: number;
  readonly dlq: TopicSpec;
  /** Re-driven dead letters; the group consumes it besides `topics` (see `redriveTopic`). */
  readonly redrive: TopicSpec;
  /** KEDA target lag per replica. */
  readonly lagThreshold: number;
  readonly minReplicas: number;
  /** Replicas beyond the partition count would sit idle; validated in `validateTopology`. */
  readonly maxReplicas: number;
  readonly writes: string;
}

const ONE_BY_ONE: BatchSpec = Object.freeze({ maxEvents: 1, maxWaitMs: 0 });

function group(spec: Omit<ConsumerGroupSpec, 'dlq' | 'redrive'> & { dlqPartitions: number }): ConsumerGroupSpec {
  const { dlqPartitions, ...rest } = spec;
  return Object.freeze({
    ...rest,
    topics: Object.freeze([...rest.topics]),
    dlq: dlqTopic(spec.id, dlqPartitions),
    redrive: redriveTopic(spec.id, dlqPartitions),
  });
}

export const CONSUMER_GROUPS = {
  orderPersistence: group({
    id: 'order-persistence-service',
    app: 'order-persistence',
    available: true,
    // inventory-events: the order shows its fulfilment (stock reserved / failed / released).
    topics: [TOPICS.orderEvents, TOPICS.statusUpdates, TOPICS.inventoryEvents],
    mode: 'batch',
    batch: { maxEvents: 100, maxWaitMs: 5_000 },
    concurrency: 4,
    dlqPartitions: 3,
    lagThreshold: 500,
    minReplicas: 1,
    maxReplicas: 6,
    writes: 'bulk idempotent upserts to MongoDB orders, with each order\'s fulfilment',
  }),
  notification: group({
    id: 'notification-service',
    app: 'notification',
    available: true,
    topics: [
      TOPICS.orderEvents,
      TOPICS.statusUpdates,
      TOPICS.appointmentEvents,
      TOPICS.prescriptionEvents,
      TOPICS.inventoryEvents,
    ],
    mode: 'single',
    // "One by one, immediately" (MISSION §2): maxWaitMs 0 — no event ever waits for others to
    // arrive; what the fetch already returned (up to 100) is handed over together, so its
    // delivery rows are stored in one insert instead of one commit per event. Sends happen
    // per delivery in the outbox dispatcher, never batched, so a batch never delays one.
    batch: { maxEvents: 100, maxWaitMs: 0 },
    concurrency: 4,
    dlqPartitions: 3,
    lagThreshold: 100,
    minReplicas: 1,
    maxReplicas: 8,
    writes: 'SMS / email / push, at most once per event',
  }),
  analytics: group({
    id: 'analytics-service',
    app: 'analytics',
    available: true,
    topics: [TOPICS.orderEvents, TOPICS.statusUpdates],
    mode: 'batch',
    batch: { maxEvents: 1_000, maxWaitMs: 30_000 },
    concurrency: 2,
    dlqPartitions: 1,
    lagThreshold: 5_000,
    minReplicas: 1,
    maxReplicas: 3,
    writes: 'analytics database aggregates',
  }),
  inventory: group({
    id: 'inventory-service',
    app: 'inventory',
    available: true,
    topics: [TOPICS.orderEvents, TOPICS.statusUpdates],
    // stock.reserved / reservation_failed / released / low
    publishes: [TOPICS.inventoryEvents],
    mode: 'single',
    batch: ONE_BY_ONE,
    concurrency: 4,
    dlqPartitions: 3,
    lagThreshold: 200,
    minReplicas: 1,
    maxReplicas: 6,
    writes: 'atomic stock reservations and releases',
  }),
  deliveryTracking: group({
    id: 'delivery-tracking-service',
    app: 'delivery-tracking',
    available: true,
    topics: [TOPICS.deliveryTracking],
    mode: 'single',
    batch: ONE_BY_ONE,
    concurrency: 8,
    dlqPartitions: 1,
    lagThreshold: 200,
    minReplicas: 1,
    maxReplicas: 8,
    writes: 'latest position per order, pushed to watchers',
  }),
  careRecords: group({
    id: 'care-records-service',
    app: 'care-records',
    available: true,
    topics: [TOPICS.appointmentEvents, TOPICS.prescriptionEvents, TOPICS.healthRecordEvents],
    // appointment.reminder
    publishes: [TOPICS.appointmentEvents],
    mode: 'batch',
    batch: { maxEvents: 200, maxWaitMs: 2_000 },
    concurrency: 4,
    dlqPartitions: 1,
    lagThreshold: 500,
    minReplicas: 1,
    maxReplicas: 8,
    writes: 'patient care records, health-record details encrypted at rest',
  }),
  audit: group({
    id: 'audit-service',
    app: 'audit',
    available: true,
    topics: [TOPICS.auditEvents],
    mode: 'batch',
    batch: { maxEvents: 500, maxWaitMs: 1_000 },
    concurrency: 4,
    dlqPartitions: 1,
    lagThreshold: 1_000,
    minReplicas: 1,
    maxReplicas: 4,
    writes: 'append-only audit trail (no update or delete path)',
  }),
} as const satisfies Record<string, ConsumerGroupSpec>;

export type ConsumerGroupKey = keyof typeof CONSUMER_GROUPS;
