/**
 * Counts, not adjectives: what every accepted write became in each consumer group's store.
 * - order-persistence: each accepted create is an order whose timeline starts with its event id,
 *   each accepted status change is in its timeline (or among its rejections, which this load never
 *   causes: a rejection here is a duplicate that became an illegal paid→paid).
 * - inventory-service: stock is conserved per product (stock + reserved = initial), `reserved`
 *   equals the sum of reservation records, and every accepted order has its stock order.
 * - notification-service: the fake provider saw no delivery twice.
 * - DLQs: every poison record produced is in the DLQ of every group that reads its topic.
 */
import type { Connection } from 'mongoose';
import type { Kafka } from 'kafkajs';
import { CONSUMER_GROUPS, type ConsumerGroupSpec, resolveTopicName } from '@medlives/topology';
import { DLQ_HEADERS } from '@medlives/consumer';
import type { TrackedOrder } from './load';

export interface GroupCounts {
  accepted: number;
  persisted: number;
  missing: number;
  duplicated: number;
}

export interface PhaseVerdict {
  phase: string;
  orders: number;
  /** Writes answered 202 (creates + status changes). */
  accepted: number;
  persisted: number;
  missing: number;
  duplicated: number;
  /** 503 answers seen by clients (retried with the same key). */
  unavailable: number;
  /** Writes the client gave up on (never accepted); `gaveUpButWritten`: of those, how many landed anyway (unknown outcome). */
  gaveUp: number;
  gaveUpButWritten: number;
  missingExamples: string[];
}

export interface InventoryVerdict {
  products: number;
  conserved: boolean;
  doubleReserved: number;
  ordersWithoutStockOrder: number;
  stockOrders: Record<string, number>;
  cancelledNotReleased: number;
}

export interface NotificationVerdict {
  received: number;
  duplicates: number;
  deliveries: Record<string, number>;
}

export async function verifyOrders(conn: Connection, orders: readonly TrackedOrder[]): Promise<Map<string, PhaseVerdict>> {
  const docs = await conn
    .collection('orders')
    .find({}, { projection: { orderId: 1, tenantCode: 1, timeline: 1, rejectedTransitions: 1, rejectedTotal: 1, created: 1 } })
    .toArray();
  const byKey = new Map(docs.map((d) => [`${d.tenantCode}/${d.orderId}`, d]));
  const phases = new Map<string, PhaseVerdict>();
  for (const o of orders) {
    const v = phases.get(o.phase) ?? { phase: o.phase, orders: 0, accepted: 0, persisted: 0, missing: 0, duplicated: 0, unavailable: 0, gaveUp: 0, gaveUpButWritten: 0, missingExamples: [] };
    phases.set(o.phase, v);
    v.orders++;
    const doc = byKey.get(`${o.tenantCode}/${o.orderId}`);
    const timeline = ((doc?.timeline ?? []) as Array<{ eventId: string }>).map((t) => t.eventId);
    const rejected = ((doc?.rejectedTransitions ?? []) as Array<{ eventId: string }>).map((t) => t.eventId);
    const seen = new Set(timeline);
    v.duplicated += timeline.length - seen.size + Number(doc?.rejectedTotal ?? 0);
    for (const w of [o.create, o.status]) {
      if (!w) continue;
      v.unavailable += w.unavailable;
      v.duplicated += w.otherEventIds.length;
      if (w.gaveUp && !w.accepted) {
        v.gaveUp++;
        if (doc && (w === o.create ? doc.created : timeline.length > 1 || rejected.length > 0)) v.gaveUpButWritten++;
      }
      if (!w.accepted) continue;
      v.accepted++;
      const landed = w === o.create ? Boolean(doc?.created) && timeline[0] === w.eventId : seen.has(w.eventId!) || rejected.includes(w.eventId!);
      if (landed) v.persisted++;
      else {
        v.missing++;
        if (v.missingExamples.length < 5) v.missingExamples.push(`${o.orderId} ${w === o.create ? 'create' : 'status'} ${w.eventId}`);
      }
    }
  }
  return phases;
}

export async function verifyInventory(conn: Connection, orders: readonly TrackedOrder[], initialStock: number): Promise<InventoryVerdict> {
  const products = await conn.collection('products').find({}).toArray();
  const reservations = await conn.collection('stock_reservations').find({}).toArray();
  const stockOrders = await conn.collection('stock_orders').find({}, { projection: { state: 1, orderId: 1, tenantCode: 1 } }).toArray();
  const reservedBy = new Map<string, number>();
  for (const r of reservations) if (r.state === 'reserved') reservedBy.set(`${r.tenantCode}/${r.productId}`, (reservedBy.get(`${r.tenantCode}/${r.productId}`) ?? 0) + Number(r.quantity));
  let conserved = true;
  let doubleReserved = 0;
  for (const p of products) {
    if (Number(p.stock) + Number(p.reserved) !== initialStock) conserved = false;
    const records = reservedBy.get(String(p._id)) ?? 0;
    if (Number(p.reserved) !== records) doubleReserved += Math.abs(Number(p.reserved) - records);
  }
  const stateOf = new Map(stockOrders.map((s) => [`${s.tenantCode}/${s.orderId}`, String(s.state)]));
  const counts: Record<string, number> = {};
  for (const s of stockOrders) counts[String(s.state)] = (counts[String(s.state)] ?? 0) + 1;
  let without = 0;
  let cancelledNotReleased = 0;
  for (const o of orders) {
    if (!o.create.accepted) continue;
    const state = stateOf.get(`${o.tenantCode}/${o.orderId}`);
    if (!state) without++;
    if (o.status?.accepted && o.status.to === 'cancelled' && state !== 'released' && state !== 'cancelled' && state !== 'failed') cancelledNotReleased++;
  }
  return { products: products.length, conserved, doubleReserved, ordersWithoutStockOrder: without, stockOrders: counts, cancelledNotReleased };
}

export async function notificationStates(conn: Connection): Promise<Record<string, number>> {
  const rows = await conn.collection('notification_deliveries').find({}, { projection: { status: 1 } }).toArray();
  const by: Record<string, number> = {};
  for (const r of rows) by[String(r.status)] = (by[String(r.status)] ?? 0) + 1;
  return by;
}

/** Groups that run in the chaos platform and read a topic the poison goes to. */
export const CHAOS_GROUPS: readonly ConsumerGroupSpec[] = [CONSUMER_GROUPS.orderPersistence, CONSUMER_GROUPS.inventory, CONSUMER_GROUPS.notification];

export interface DlqCount {
  /** Distinct poison records of this run (by original topic/partition/offset). */
  poison: number;
  /** DLQ entries holding them: more than `poison` when a dead letter was written again after a crash or rebalance. */
  poisonEntries: number;
  other: number;
}

/**
 * Poison records of this run (by marker) found in each group's DLQ. The DLQ is written
 * at-least-once (a dead letter whose offset commit was lost is written again); `medlives dlq`
 * marks the later copies `duplicate` and never re-drives them, so "every poison record in its DLQ"
 * counts distinct originals, and the copies are reported beside them.
 */
export async function countDlq(kafka: Kafka, marker: string): Promise<Record<string, DlqCount>> {
  const admin = kafka.admin();
  await admin.connect();
  const result: Record<string, DlqCount> = {};
  try {
    for (const group of CHAOS_GROUPS) {
      const topic = resolveTopicName(group.dlq);
      const ends = await admin.fetchTopicOffsets(topic);
      const total = ends.reduce((n, p) => n + Number(p.high) - Number(p.low), 0);
      const counts: DlqCount = { poison: 0, poisonEntries: 0, other: 0 };
      const originals = new Set<string>();
      result[group.id] = counts;
      if (total === 0) continue;
      const consumer = kafka.consumer({ groupId: `chaos-dlq-reader-${marker}-${group.id}` });
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      let seen = 0;
      const done = new Promise<void>((resolve) => {
        void consumer.run({
          eachMessage: async ({ message }) => {
            seen++;
            if (message.value?.toString().includes(marker)) {
              const h = (name: string) => message.headers?.[name]?.toString() ?? '?';
              originals.add(`${h(DLQ_HEADERS.originalTopic)}/${h(DLQ_HEADERS.originalPartition)}/${h(DLQ_HEADERS.originalOffset)}`);
              counts.poisonEntries++;
              counts.poison = originals.size;
            } else counts.other++;
            if (seen >= total) resolve();
          },
        });
      });
      await Promise.race([done, new Promise((r) => setTimeout(r, 60_000))]);
      await consumer.disconnect();
    }
  } finally {
    await admin.disconnect();
  }
  return result;
}
