import type { Connection } from 'mongoose';
import { type OrderDoc, ORDERS_COLLECTION } from '@medlives/orders';
import { parseConfig } from '@medlives/runtime';
import { CONSUMER_GROUPS } from '@medlives/topology';
import { type ExpectedOrder, type WorkerHarness, groupLag, waitFor, workerHarness } from '@medlives/testkit';
import { type App, createApp } from '../../src/app';
import { type OrderPersistenceConfig, OrderPersistenceEnv } from '../../src/config';

/** The group these suites exercise. */
export const GROUP = CONSUMER_GROUPS.orderPersistence;

export type Harness = WorkerHarness<OrderPersistenceConfig, App>;

/** Random topics, group and database for one test file; apps started through it are stopped on cleanup. */
export function harness(label: string, options: { mongoUrl?: string } = {}): Promise<Harness> {
  return workerHarness({
    label,
    app: 'order-persistence',
    parse: (env) => parseConfig(OrderPersistenceEnv, env),
    create: (config, deps) => createApp(config, deps),
    ...options,
  });
}

export async function allOrders(conn: Connection): Promise<OrderDoc[]> {
  return (await conn.collection(ORDERS_COLLECTION).find({}).toArray()) as unknown as OrderDoc[];
}

/** Waits until the group has committed everything published (the consumer caught up). */
export async function drained(h: Harness, timeoutMs = 120_000): Promise<void> {
  await waitFor('the group to commit every record', async () => (await groupLag(h.topo.admin, GROUP, h.topo.prefix)) === 0, { timeoutMs, intervalMs: 250 });
}

export interface Comparison {
  missing: string[];
  unexpected: string[];
  wrong: Array<{ key: string; problem: string }>;
  /** Status changes applied more than once (same event id twice in a timeline). */
  doubleApplied: number;
}

/** Checks every expected order against its document; an empty comparison is a pass. */
export function compare(docs: readonly OrderDoc[], expected: ReadonlyMap<string, ExpectedOrder>): Comparison {
  const byKey = new Map(docs.map((d) => [d._id, d]));
  const result: Comparison = { missing: [], unexpected: [], wrong: [], doubleApplied: 0 };
  for (const key of byKey.keys()) if (!expected.has(key)) result.unexpected.push(key);
  for (const [key, exp] of expected) {
    const doc = byKey.get(key);
    if (!doc || !doc.created) {
      result.missing.push(key);
      continue;
    }
    const ids = doc.timeline.map((t) => t.eventId);
    result.doubleApplied += ids.length - new Set(ids).size;
    const timeline = doc.timeline.map((t) => [t.from, t.to, t.eventId]);
    const problems = [
      doc.status !== exp.status && `status ${doc.status} != ${exp.status}`,
      JSON.stringify(timeline) !== JSON.stringify(exp.timeline) && `timeline ${JSON.stringify(timeline)} != ${JSON.stringify(exp.timeline)}`,
      JSON.stringify(doc.rejectedTransitions.map((r) => r.eventId)) !== JSON.stringify(exp.rejected) && 'rejected transitions differ',
      doc.paymentStatus !== exp.paymentStatus && `paymentStatus ${doc.paymentStatus} != ${exp.paymentStatus}`,
      (doc.deleted !== null) !== exp.deleted && `deleted ${doc.deleted !== null} != ${exp.deleted}`,
      doc.appliedEventIds.length !== new Set(doc.appliedEventIds).size && 'an event id applied twice',
    ].filter((p): p is string => typeof p === 'string');
    for (const problem of problems) result.wrong.push({ key, problem });
  }
  return result;
}

export const PASS: Comparison = { missing: [], unexpected: [], wrong: [], doubleApplied: 0 };

/** Comparison for assertion messages: counts plus the first few offenders. */
export function summary(c: Comparison) {
  return { missing: c.missing.length, unexpected: c.unexpected.length, wrong: c.wrong.length, doubleApplied: c.doubleApplied, sample: [...c.missing.slice(0, 3), ...c.wrong.slice(0, 3)] };
}
