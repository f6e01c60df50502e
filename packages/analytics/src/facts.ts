import type { Envelope, OrderStatus } from '@medlives/events';

/**
 * One document per order in the analytics database: the facts the figures need, merged so that
 * applying an event twice, or events in any order, gives the same document. Every field is a
 * join (set union, "latest version wins", "once deleted stays deleted"), so a replay from the
 * earliest offset or a redelivered batch cannot move a figure, and a status change that overtakes
 * its order.created (they travel on different topics) is simply waiting in the set.
 */
export interface OrderFact {
  /** `<tenantCode>/<orderId>`. */
  readonly _id: string;
  readonly tenantCode: string;
  readonly orderId: string;
  /** Optimistic-concurrency revision (MongoDB); not part of the facts. */
  readonly rev: number;
  /** From order.created: the day and hour the order counts in (late events still land here). */
  readonly orderDate: string | null;
  /** The order's lines and total as of the newest order.created / order.updated (by `v`). */
  readonly lines: Lines | null;
  /** Every status the order was seen in (sorted, distinct). */
  readonly statuses: OrderStatus[];
  readonly deleted: boolean;
  // Derived from the facts above on every write, as plain fields so the read side needs only $sum.
  /** 1 when created and not deleted: the order counts in the figures. */
  readonly counted: 0 | 1;
  readonly status: OrderStatus | null;
  readonly day: string | null;
  readonly hour: number | null;
  /** Day and hour in the tenant's configured time zone (same as UTC when none is configured). */
  readonly localDay: string | null;
  readonly localHour: number | null;
  readonly grossCents: number;
  readonly paidCents: number;
  readonly cancelled: 0 | 1;
  readonly items: FactItem[];
}

export interface FactItem {
  readonly productId: string;
  readonly medication: string;
  readonly quantity: number;
  readonly cents: number;
}

export interface Lines {
  /** `<occurredAt>|<eventId>`: later wins; the event id breaks ties deterministically. */
  readonly v: string;
  readonly items: FactItem[];
  readonly totalCents: number;
}

/** Statuses that mean the money was collected (processing and later are only reachable via paid). */
const PAID: readonly OrderStatus[] = ['paid', 'processing', 'shipped', 'delivered'];

/**
 * The order's current status from the set of statuses it was seen in. The status machine has no
 * cycles, so the latest status is the "furthest" one: delivered > shipped > cancelled (which is
 * reachable from everything before shipped) > processing > paid > credit > pending.
 */
const PRECEDENCE: readonly OrderStatus[] = ['delivered', 'shipped', 'cancelled', 'processing', 'paid', 'credit', 'pending'];

export function latestStatus(seen: readonly OrderStatus[]): OrderStatus | null {
  return PRECEDENCE.find((s) => seen.includes(s)) ?? null;
}

export const toCents = (amount: number): number => Math.round(amount * 100);

export const factId = (tenantCode: string, orderId: string): string => `${tenantCode}/${orderId}`;

export function emptyFact(tenantCode: string, orderId: string): OrderFact {
  return derive({ _id: factId(tenantCode, orderId), tenantCode, orderId, rev: 0, orderDate: null, lines: null, statuses: [], deleted: false }, undefined);
}

type Base = Pick<OrderFact, '_id' | 'tenantCode' | 'orderId' | 'rev' | 'orderDate' | 'lines' | 'statuses' | 'deleted'>;

function addStatus(seen: readonly OrderStatus[], ...more: (OrderStatus | null | undefined)[]): OrderStatus[] {
  return [...new Set([...seen, ...more.filter((s): s is OrderStatus => !!s)])].sort();
}

function newer(a: Lines | null, b: Lines): Lines {
  return a && a.v >= b.v ? a : b;
}

function linesOf(e: Envelope, items: readonly { productId: string; medication: string; quantity: number; unitPrice: number }[], total: number): Lines {
  return {
    v: `${e.occurredAt}|${e.eventId}`,
    items: items.map((i) => ({ productId: i.productId, medication: i.medication, quantity: i.quantity, cents: toCents(i.quantity * i.unitPrice) })),
    totalCents: toCents(total),
  };
}

/** Merges one event into the fact (pure; events of other types leave it unchanged). */
export function applyEvent(fact: OrderFact, e: Envelope, timeZone?: string): OrderFact {
  const d = e.data as Record<string, unknown>;
  let base: Base = fact;
  switch (e.eventType) {
    case 'order.created': {
      const c = d as { orderDate: string; status?: OrderStatus; items: FactItem[] & never; totalPrice: number };
      base = { ...fact, orderDate: c.orderDate, lines: newer(fact.lines, linesOf(e, c.items, c.totalPrice)), statuses: addStatus(fact.statuses, c.status ?? 'pending') };
      break;
    }
    case 'order.updated': {
      const changes = (d as { changes: { items?: never; totalPrice?: number } }).changes;
      if (changes.items && changes.totalPrice !== undefined) base = { ...fact, lines: newer(fact.lines, linesOf(e, changes.items, changes.totalPrice)) };
      break;
    }
    case 'order.deleted':
      base = { ...fact, deleted: true };
      break;
    case 'status.changed': {
      const s = d as { oldStatus: OrderStatus | null; newStatus: OrderStatus };
      base = { ...fact, statuses: addStatus(fact.statuses, s.oldStatus, s.newStatus) };
      break;
    }
    default:
      return fact;
  }
  return derive(base, timeZone);
}

/** Recomputes the derived fields from the facts. */
export function derive(base: Base, timeZone: string | undefined): OrderFact {
  const counted = base.orderDate !== null && base.lines !== null && !base.deleted ? 1 : 0;
  const status = latestStatus(base.statuses);
  const cancelled = status === 'cancelled' ? 1 : 0;
  const gross = counted ? base.lines!.totalCents : 0;
  const paid = counted && !cancelled && base.statuses.some((s) => PAID.includes(s)) ? gross : 0;
  const at = base.orderDate ? new Date(base.orderDate) : null;
  const local = at ? zonedDayHour(at, timeZone) : null;
  return {
    _id: base._id,
    tenantCode: base.tenantCode,
    orderId: base.orderId,
    rev: base.rev,
    orderDate: base.orderDate,
    lines: base.lines,
    statuses: base.statuses,
    deleted: base.deleted,
    counted,
    status,
    day: at ? at.toISOString().slice(0, 10) : null,
    hour: at ? at.getUTCHours() : null,
    localDay: local?.day ?? null,
    localHour: local?.hour ?? null,
    grossCents: gross,
    paidCents: paid,
    cancelled: counted ? cancelled : 0,
    items: counted ? base.lines!.items : [],
  };
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Calendar day and hour of an instant in an IANA time zone (UTC when none). */
export function zonedDayHour(at: Date, timeZone: string | undefined): { day: string; hour: number } {
  if (!timeZone || timeZone === 'UTC') return { day: at.toISOString().slice(0, 10), hour: at.getUTCHours() };
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', hourCycle: 'h23' });
    formatters.set(timeZone, f);
  }
  const parts = Object.fromEntries(f.formatToParts(at).map((p) => [p.type, p.value]));
  return { day: `${parts.year}-${parts.month}-${parts.day}`, hour: Number(parts.hour) };
}

/** Facts equal apart from the revision: a write would change nothing (replays end here). */
export function sameFacts(a: OrderFact, b: OrderFact): boolean {
  const { rev: _a, ...x } = a;
  const { rev: _b, ...y } = b;
  return canonical(x) === canonical(y);
}

/** JSON with sorted keys: documents read back from the server need not keep our key order. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b))) : v,
  );
}
