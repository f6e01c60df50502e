import { AppError } from '@medlives/errors';
import { type Envelope, type OrderStatus, canTransition } from '@medlives/events';
import {
  type CreatedFact,
  type DeleteFact,
  type OrderDoc,
  type OrderFacts,
  type RejectedTransition,
  type StatusFact,
  type TimelineEntry,
  type UpdateFact,
  orderKey,
} from './types';

/** One event, reduced to the fact the read model keeps. */
export type IncomingFact =
  | { kind: 'created'; fact: CreatedFact }
  | { kind: 'updated'; fact: UpdateFact }
  | { kind: 'deleted'; fact: DeleteFact }
  | { kind: 'status'; fact: StatusFact };

export interface KeyedFact {
  readonly key: string;
  readonly tenantCode: string;
  readonly orderId: string;
  readonly incoming: IncomingFact;
}

/** Envelope → fact; anything but an order event is a permanent error for this read model. */
export function factOf(envelope: Envelope): KeyedFact {
  const base = { eventId: envelope.eventId, by: envelope.actor.userId };
  const keyed = (orderId: string, incoming: IncomingFact): KeyedFact => ({
    key: orderKey(envelope.tenantCode, orderId),
    tenantCode: envelope.tenantCode,
    orderId,
    incoming,
  });
  switch (envelope.eventType) {
    case 'order.created': {
      const { orderId, tenantCode: _t, ...d } = envelope.data;
      return keyed(orderId, { kind: 'created', fact: { ...base, at: envelope.occurredAt, ...d } });
    }
    case 'order.updated':
      return keyed(envelope.data.orderId, { kind: 'updated', fact: { ...base, at: envelope.occurredAt, changes: envelope.data.changes } });
    case 'order.deleted': {
      const { reason } = envelope.data;
      return keyed(envelope.data.orderId, { kind: 'deleted', fact: { ...base, at: envelope.occurredAt, ...(reason ? { reason } : {}) } });
    }
    case 'status.changed': {
      const d = envelope.data;
      const fact: StatusFact = { eventId: envelope.eventId, at: d.at, by: d.changedBy, claimedFrom: d.oldStatus, to: d.newStatus, ...(d.reason ? { reason: d.reason } : {}) };
      return keyed(d.orderId, { kind: 'status', fact });
    }
    default:
      throw new AppError('UNKNOWN_EVENT_TYPE', `${envelope.eventType} does not belong to the orders read model`, {
        context: { eventId: envelope.eventId },
      });
  }
}

const time = (iso: string) => Date.parse(iso);
/** Earliest by event time; the event id breaks ties so every replica picks the same one. */
const earliest = <F extends { at: string; eventId: string }>(facts: readonly F[]): F | undefined =>
  [...facts].sort((a, b) => time(a.at) - time(b.at) || (a.eventId < b.eventId ? -1 : 1))[0];

type Fields = Pick<OrderDoc, 'customer' | 'items' | 'totalPrice' | 'paymentStatus' | 'orderDate' | 'deliveryDate'>;

/**
 * Order fields: the earliest creation, then updates in event-time order, each field
 * last-writer-wins, so a late (re-driven) update never overwrites a newer value. Updates after
 * the soft delete are ignored.
 */
function deriveFields(created: CreatedFact, updates: readonly UpdateFact[], deleted: DeleteFact | null): Fields {
  const fields: Fields = {
    customer: created.customer,
    items: created.items,
    totalPrice: created.totalPrice,
    paymentStatus: created.paymentStatus,
    orderDate: new Date(created.orderDate),
    deliveryDate: created.deliveryDate ? new Date(created.deliveryDate) : null,
  };
  const fieldAt: Record<string, number> = {};
  const createdAt = time(created.at);
  // Stable sort: equal timestamps keep arrival (= partition) order.
  const ordered = [...updates].sort((a, b) => time(a.at) - time(b.at));
  for (const u of ordered) {
    const at = time(u.at);
    if (at < createdAt || (deleted && at > time(deleted.at))) continue;
    for (const [field, value] of Object.entries(u.changes)) {
      if (value === undefined || at < (fieldAt[field] ?? createdAt)) continue;
      fieldAt[field] = at;
      if (field === 'deliveryDate') fields.deliveryDate = new Date(value as string);
      else (fields as unknown as Record<string, unknown>)[field] = value;
    }
  }
  return fields;
}

interface StatusView {
  status: OrderStatus;
  timeline: TimelineEntry[];
  rejectedTransitions: RejectedTransition[];
}

/** Replays the status changes, in arrival order, through the MISSION §3 machine. */
export function deriveStatus(created: CreatedFact, changes: readonly StatusFact[], deleted: DeleteFact | null): StatusView {
  let status = created.status;
  const timeline: TimelineEntry[] = [{ eventId: created.eventId, from: null, to: status, by: created.by, at: created.at, reason: 'created' }];
  const rejectedTransitions: RejectedTransition[] = [];
  for (const c of changes) {
    const optional = c.reason ? { reason: c.reason } : {};
    const afterDelete = deleted !== null && time(c.at) > time(deleted.at);
    if (!afterDelete && canTransition(status, c.to)) {
      timeline.push({ eventId: c.eventId, from: status, to: c.to, by: c.by, at: c.at, ...optional });
      status = c.to;
    } else {
      rejectedTransitions.push({
        eventId: c.eventId,
        from: status,
        to: c.to,
        claimedFrom: c.claimedFrom,
        by: c.by,
        at: c.at,
        ...optional,
        rejectedBecause: afterDelete ? 'order-deleted' : 'illegal-transition',
      });
    }
  }
  return { status, timeline, rejectedTransitions };
}

/** Everything but identity and bookkeeping, recomputed from the facts. */
export function derive(facts: OrderFacts): Omit<OrderDoc, '_id' | 'tenantCode' | 'orderId' | 'rev' | 'facts' | 'appliedEventIds' | 'firstSeenAt' | 'updatedAt'> {
  const created = earliest(facts.created);
  const deleted = earliest(facts.deletes) ?? null;
  if (!created) {
    return {
      created: false,
      status: null,
      paymentStatus: null,
      customer: null,
      items: [],
      totalPrice: null,
      orderDate: null,
      deliveryDate: null,
      deleted,
      timeline: [],
      rejectedTransitions: [],
      parkedStatusChanges: facts.status.length,
    };
  }
  return { created: true, ...deriveFields(created, facts.updates, deleted), deleted, ...deriveStatus(created, facts.status, deleted), parkedStatusChanges: 0 };
}

export interface ApplyResult {
  /** The document to write, or null when every event was already applied. */
  readonly next: OrderDoc | null;
  readonly applied: number;
  readonly duplicates: number;
  /** Rejections that did not exist before this write (to count them once). */
  readonly newRejections: readonly RejectedTransition[];
}

/** Adds the facts not applied yet and recomputes the document; pure and idempotent. */
export function applyFacts(current: OrderDoc | null, incoming: readonly KeyedFact[], now: Date): ApplyResult {
  const first = incoming[0];
  if (!first) return { next: null, applied: 0, duplicates: 0, newRejections: [] };
  const seen = new Set(current?.appliedEventIds ?? []);
  const facts: OrderFacts = current
    ? { created: [...current.facts.created], updates: [...current.facts.updates], deletes: [...current.facts.deletes], status: [...current.facts.status] }
    : { created: [], updates: [], deletes: [], status: [] };
  let applied = 0;
  for (const { incoming: inc } of incoming) {
    if (seen.has(inc.fact.eventId)) continue;
    seen.add(inc.fact.eventId);
    applied++;
    if (inc.kind === 'created') facts.created.push(inc.fact);
    else if (inc.kind === 'updated') facts.updates.push(inc.fact);
    else if (inc.kind === 'deleted') facts.deletes.push(inc.fact);
    else facts.status.push(inc.fact);
  }
  const duplicates = incoming.length - applied;
  if (applied === 0) return { next: null, applied, duplicates, newRejections: [] };
  const derived = derive(facts);
  const before = new Set(current?.rejectedTransitions.map((r) => r.eventId) ?? []);
  const next: OrderDoc = {
    _id: first.key,
    tenantCode: first.tenantCode,
    orderId: first.orderId,
    rev: (current?.rev ?? 0) + 1,
    ...derived,
    facts,
    appliedEventIds: [...seen],
    firstSeenAt: current?.firstSeenAt ?? now,
    updatedAt: now,
  };
  return { next, applied, duplicates, newRejections: derived.rejectedTransitions.filter((r) => !before.has(r.eventId)) };
}
