import { canTransition } from '@medlives/events';
import type { KeyedFact } from './facts';
import type { AppliedPosition, CreatedFact, DeleteFact, Fulfilment, OrderDoc, ParkedFact, RejectedTransition, StatusFact, UpdateFact } from './types';

export { type IncomingFact, type KeyedFact, factOf } from './facts';

/** Facts an order may hold while it waits for its creation; more go to the DLQ (re-drivable). */
export const MAX_PARKED = 50;
/** Event ids kept to spot one event published twice (a producer retry) at a new offset. */
export const RECENT_EVENT_IDS = 100;
/** Rejected transitions kept on the order; `rejectedTotal` counts them all. */
export const MAX_REJECTIONS = 20;

/*
 * Why partition order, and why these bounds (issue 12 holes 5 and 7):
 * - An order's order-events share one partition (keyed by tenant), so do its status-updates and
 *   its inventory-events (keyed by the first item's product). Kafka's order within a partition is
 *   the order the API accepted them in; the replicas' wall clocks are not (skew would drop or swap
 *   PATCHes). So facts apply in arrival order, and `occurredAt` is shown, never compared — except
 *   status changes against a deletion, which travel on different topics.
 * - Partition order also makes dedupe bounded: per partition the last applied offset says what
 *   is a re-delivery or a replay; a short window of event ids catches one event published twice.
 * - History that would grow with the events is bounded: the timeline by the status machine (it has
 *   no cycle), rejections by MAX_REJECTIONS, facts waiting for the creation by MAX_PARKED.
 */

export interface ApplyResult {
  /** The document to write, or null when nothing changed. */
  readonly next: OrderDoc | null;
  readonly applied: number;
  readonly duplicates: number;
  /** Rejections this write added (to count them once). */
  readonly newRejections: readonly RejectedTransition[];
  /** Facts refused because the order already has MAX_PARKED facts waiting for its creation. */
  readonly refused: readonly KeyedFact[];
}

type Working = Omit<OrderDoc, 'rev' | 'firstSeenAt' | 'updatedAt'>;

function fresh(first: KeyedFact): Working {
  return {
    _id: first.key,
    tenantCode: first.tenantCode,
    orderId: first.orderId,
    created: false,
    status: null,
    paymentStatus: null,
    customer: null,
    items: [],
    totalPrice: null,
    orderDate: null,
    deliveryDate: null,
    deleted: null,
    timeline: [],
    rejectedTransitions: [],
    rejectedTotal: 0,
    fulfilment: null,
    parked: [],
    parkedStatusChanges: 0,
    positions: [],
    appliedEventIds: [],
  };
}

/** A copy we may change (the cache still holds `current`); documents of the old shape are upgraded. */
function working(current: OrderDoc): Working {
  const { rev: _r, firstSeenAt: _f, updatedAt: _u, ...rest } = current;
  const legacy = (current as unknown as { facts?: { status?: StatusFact[] } }).facts;
  delete (rest as { facts?: unknown }).facts;
  const parked = current.parked ?? (!current.created && legacy?.status ? legacy.status.map((fact): ParkedFact => ({ kind: 'status', fact })) : []);
  return {
    ...rest,
    timeline: [...current.timeline],
    rejectedTransitions: [...current.rejectedTransitions],
    rejectedTotal: current.rejectedTotal ?? current.rejectedTransitions.length,
    fulfilment: current.fulfilment ?? null,
    parked: [...parked],
    positions: (current.positions ?? []).map((p) => ({ ...p })),
    appliedEventIds: [...current.appliedEventIds],
  };
}

class Folder {
  readonly newRejections: RejectedTransition[] = [];

  constructor(readonly doc: Working) {}

  create(c: CreatedFact): void {
    // A second creation of the same order (another event id) loses to the first in partition order.
    if (this.doc.created) return;
    Object.assign(this.doc, {
      created: true,
      customer: c.customer,
      items: c.items,
      totalPrice: c.totalPrice,
      paymentStatus: c.paymentStatus,
      orderDate: new Date(c.orderDate),
      deliveryDate: c.deliveryDate ? new Date(c.deliveryDate) : null,
      status: c.status,
      timeline: [{ eventId: c.eventId, from: null, to: c.status, by: c.by, at: c.at, reason: 'created' }],
    });
    const parked = this.doc.parked;
    this.doc.parked = [];
    this.doc.parkedStatusChanges = 0;
    for (const p of parked) this.orderFact(p);
  }

  /** Update, deletion or status change: applied now, or parked until the creation lands. */
  orderFact(p: ParkedFact): 'applied' | 'parked' | 'refused' {
    if (!this.doc.created) {
      if (this.doc.parked.length >= MAX_PARKED) return 'refused';
      this.doc.parked.push(p);
      if (p.kind === 'status') this.doc.parkedStatusChanges++;
      return 'parked';
    }
    if (p.kind === 'updated') this.update(p.fact);
    else if (p.kind === 'deleted') this.doc.deleted ??= p.fact;
    else this.status(p.fact);
    return 'applied';
  }

  private update(u: UpdateFact): void {
    // In partition order an update after the deletion came after it: refused, like the API does.
    if (this.doc.deleted) return;
    for (const [field, value] of Object.entries(u.changes)) {
      if (value === undefined) continue;
      if (field === 'deliveryDate') this.doc.deliveryDate = new Date(value as string);
      else (this.doc as unknown as Record<string, unknown>)[field] = value;
    }
  }

  /** Through the MISSION §3 machine from the status the order really has. */
  private status(c: StatusFact): void {
    const status = this.doc.status!;
    const optional = c.reason ? { reason: c.reason } : {};
    const deleted: DeleteFact | null = this.doc.deleted;
    // Deletions and status changes travel on different topics: only their times relate them.
    const afterDelete = deleted !== null && Date.parse(c.at) > Date.parse(deleted.at);
    if (!afterDelete && canTransition(status, c.to)) {
      this.doc.timeline.push({ eventId: c.eventId, from: status, to: c.to, by: c.by, at: c.at, ...optional });
      this.doc.status = c.to;
      return;
    }
    const rejected: RejectedTransition = {
      eventId: c.eventId,
      from: status,
      to: c.to,
      claimedFrom: c.claimedFrom,
      by: c.by,
      at: c.at,
      ...optional,
      rejectedBecause: afterDelete ? 'order-deleted' : 'illegal-transition',
    };
    this.newRejections.push(rejected);
    this.doc.rejectedTotal++;
    this.doc.rejectedTransitions = [...this.doc.rejectedTransitions, rejected].slice(-MAX_REJECTIONS);
  }

  /** Inventory-service's word on the order; needs no creation, so it is kept at once. */
  fulfilment(f: Fulfilment): void {
    // Released stock is final for the order: a late (re-driven) reservation report must not revive it.
    if (this.doc.fulfilment?.state === 'released' && f.state !== 'released') return;
    this.doc.fulfilment = f;
  }
}

function isApplied(doc: Working, seen: ReadonlySet<string>, f: KeyedFact): boolean {
  if (seen.has(f.incoming.fact.eventId)) return true;
  const o = f.origin;
  const at = o && doc.positions.find((p) => p.topic === o.topic && p.partition === o.partition);
  return !!o && !!at && BigInt(o.offset) <= BigInt(at.offset);
}

function remember(doc: Working, seen: Set<string>, f: KeyedFact): void {
  seen.add(f.incoming.fact.eventId);
  doc.appliedEventIds.push(f.incoming.fact.eventId);
  if (doc.appliedEventIds.length > RECENT_EVENT_IDS) doc.appliedEventIds.splice(0, doc.appliedEventIds.length - RECENT_EVENT_IDS);
  const o = f.origin;
  if (!o) return;
  const at: AppliedPosition | undefined = doc.positions.find((p) => p.topic === o.topic && p.partition === o.partition);
  if (at) at.offset = o.offset;
  else doc.positions.push({ topic: o.topic, partition: o.partition, offset: o.offset });
}

/** Folds the facts not applied yet onto the order, in the order given (partition order); pure. */
export function applyFacts(current: OrderDoc | null, incoming: readonly KeyedFact[], now: Date): ApplyResult {
  const first = incoming[0];
  if (!first) return { next: null, applied: 0, duplicates: 0, newRejections: [], refused: [] };
  const folder = new Folder(current ? working(current) : fresh(first));
  const doc = folder.doc;
  const seen = new Set(doc.appliedEventIds);
  const refused: KeyedFact[] = [];
  let applied = 0;
  for (const f of incoming) {
    if (isApplied(doc, seen, f)) continue;
    const inc = f.incoming;
    if (inc.kind === 'created') folder.create(inc.fact);
    else if (inc.kind === 'fulfilment') folder.fulfilment(inc.fact);
    else if (folder.orderFact(inc) === 'refused') {
      refused.push(f);
      continue;
    }
    remember(doc, seen, f);
    applied++;
  }
  const duplicates = incoming.length - applied - refused.length;
  if (applied === 0) return { next: null, applied, duplicates, newRejections: [], refused };
  const next: OrderDoc = { ...doc, rev: (current?.rev ?? 0) + 1, firstSeenAt: current?.firstSeenAt ?? now, updatedAt: now };
  return { next, applied, duplicates, newRejections: folder.newRejections, refused };
}
