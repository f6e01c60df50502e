import { type Envelope, type EventDataInput, type OrderStatus, STATUS_TRANSITIONS, createEvent } from '@medlives/events';
import { sampleData } from './samples';

/** What a generated order must look like once every event is persisted. */
export interface ExpectedOrder {
  readonly key: string;
  readonly tenantCode: string;
  readonly orderId: string;
  status: OrderStatus;
  /** [from, to, eventId] of every applied transition, creation first. */
  timeline: Array<[OrderStatus | null, OrderStatus, string]>;
  rejected: string[];
  paymentStatus: string;
  deleted: boolean;
}

export interface Workload {
  /** In publication order. */
  readonly events: Envelope[];
  readonly expected: Map<string, ExpectedOrder>;
  readonly statusChanges: number;
}

export interface WorkloadOptions {
  readonly orders: number;
  readonly tenants?: number;
  readonly seed?: number;
  /** Label in order ids so runs never collide. */
  readonly tag?: string;
  readonly firstOrder?: number;
}

/** Deterministic PRNG (mulberry32) so a failing run can be reproduced from its seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const actor = { userId: 'clerk-1', role: 'tenant' as const };
const BASE = Date.parse('2026-11-21T08:00:00.000Z');

/**
 * Orders walking the status machine: most follow legal paths, every 13th also gets an illegal
 * change (recorded as rejected), every 7th a payment update, every 23rd a soft delete at the end.
 * The expectation is computed here from the machine alone, independently of the consumer's fold.
 */
export function orderWorkload(options: WorkloadOptions): Workload {
  const random = prng(options.seed ?? 42);
  const tenants = options.tenants ?? 24;
  const tag = options.tag ?? 'w';
  const events: Envelope[] = [];
  const expected = new Map<string, ExpectedOrder>();
  let statusChanges = 0;
  for (let n = 0; n < options.orders; n++) {
    const i = (options.firstOrder ?? 0) + n;
    const tenantCode = `pharma-${String(i % tenants).padStart(3, '0')}`;
    const orderId = `${tag}-${i}`;
    let clock = BASE + i * 10;
    const at = () => new Date((clock += 1));
    const created = createEvent({
      eventType: 'order.created',
      tenantCode,
      source: 'workload',
      actor,
      occurredAt: at(),
      data: { ...sampleData('order.created', { tenantCode, orderId }), status: 'pending' },
    });
    events.push(created);
    const exp: ExpectedOrder = {
      key: `${tenantCode}/${orderId}`,
      tenantCode,
      orderId,
      status: 'pending',
      timeline: [[null, 'pending', created.eventId]],
      rejected: [],
      paymentStatus: 'unpaid',
      deleted: false,
    };
    const change = (to: OrderStatus, oldStatus: OrderStatus | null) => {
      const when = at();
      const data = { orderId, tenantCode, oldStatus, newStatus: to, changedBy: `user-${i % 5}`, reason: 'workload', at: when.toISOString() } as EventDataInput<'status.changed'>;
      const e = createEvent({ eventType: 'status.changed', tenantCode, source: 'workload', actor, occurredAt: when, data });
      events.push(e);
      statusChanges++;
      return e;
    };
    const steps = Math.floor(random() * 5);
    for (let s = 0; s < steps; s++) {
      const next = STATUS_TRANSITIONS[exp.status];
      const to = next[Math.floor(random() * next.length)];
      if (!to) break;
      const e = change(to, random() < 0.2 ? null : exp.status);
      exp.timeline.push([exp.status, to, e.eventId]);
      exp.status = to;
    }
    if (i % 13 === 5) {
      const illegal: OrderStatus = exp.status === 'delivered' || exp.status === 'cancelled' ? 'pending' : 'delivered';
      if (!STATUS_TRANSITIONS[exp.status].includes(illegal)) exp.rejected.push(change(illegal, null).eventId);
    }
    if (i % 7 === 3) {
      events.push(
        createEvent({ eventType: 'order.updated', tenantCode, source: 'workload', actor, occurredAt: at(), data: { orderId, tenantCode, changes: { paymentStatus: 'paid' } } }),
      );
      exp.paymentStatus = 'paid';
    }
    if (i % 23 === 11) {
      events.push(createEvent({ eventType: 'order.deleted', tenantCode, source: 'workload', actor, occurredAt: at(), data: { orderId, tenantCode, reason: 'test' } }));
      exp.deleted = true;
    }
    expected.set(exp.key, exp);
  }
  return { events, expected, statusChanges };
}
