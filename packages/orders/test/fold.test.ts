import { type Envelope, type EventDataInput, createEvent } from '@medlives/events';
import { type KeyedFact, type OrderDoc, applyFacts, factOf } from '@medlives/orders';
import { sampleData } from '@medlives/testkit';

const T0 = Date.parse('2026-11-21T10:00:00.000Z');
const at = (s: number) => new Date(T0 + s * 1000);
const actor = { userId: 'user-1', role: 'tenant' as const };
const ids = { tenantCode: 'pharma-001', orderId: 'ord-1' };

function created(s = 0, status: 'pending' | 'paid' = 'pending'): Envelope {
  return createEvent({ eventType: 'order.created', tenantCode: ids.tenantCode, source: 't', actor, occurredAt: at(s), data: { ...sampleData('order.created', ids), status } });
}
function status(oldStatus: string | null, newStatus: string, s: number): Envelope {
  const data = { ...sampleData('status.changed', ids), oldStatus, newStatus, at: at(s).toISOString(), changedBy: `user-${s}` } as EventDataInput<'status.changed'>;
  return createEvent({ eventType: 'status.changed', tenantCode: ids.tenantCode, source: 't', actor, occurredAt: at(s), data });
}
function updated(changes: EventDataInput<'order.updated'>['changes'], s: number): Envelope {
  return createEvent({ eventType: 'order.updated', tenantCode: ids.tenantCode, source: 't', actor, occurredAt: at(s), data: { ...ids, changes } });
}
function deleted(s: number): Envelope {
  return createEvent({ eventType: 'order.deleted', tenantCode: ids.tenantCode, source: 't', actor, occurredAt: at(s), data: { ...ids, reason: 'customer request' } });
}

function stock(eventType: 'stock.reserved' | 'stock.reservation_failed' | 'stock.released', s: number): Envelope {
  const data = sampleData(eventType, { orderId: ids.orderId });
  return createEvent({ eventType, tenantCode: ids.tenantCode, source: 'inventory', actor: { userId: 'inventory-service', role: 'service' }, occurredAt: at(s), data } as never);
}

/** Kafka offsets as the consumer would see them: each topic's events in publish order. */
const offsets = new Map<string, { topic: string; partition: number; offset: string }>();
function origin(e: Envelope) {
  const known = offsets.get(e.eventId);
  if (known) return known;
  const topic = e.eventType.startsWith('stock.') ? 'inventory-events' : e.eventType === 'status.changed' ? 'status-updates' : 'order-events';
  const next = [...offsets.values()].filter((o) => o.topic === topic).length;
  const o = { topic, partition: 0, offset: String(next) };
  offsets.set(e.eventId, o);
  return o;
}
const fact = (e: Envelope): KeyedFact => factOf(e, origin(e))!;

/** Applies events one batch at a time, like the sink does, and returns the final document. */
function fold(batches: Envelope[][]): OrderDoc | null {
  let doc: OrderDoc | null = null;
  batches.forEach((batch, i) => {
    const result = applyFacts(doc, batch.map(fact), at(1000 + i));
    if (result.next) doc = result.next;
  });
  return doc;
}

/** The state without bookkeeping that legitimately depends on arrival (write times, revision, fact order). */
function state(doc: OrderDoc | null) {
  if (!doc) return null;
  const { rev: _r, firstSeenAt: _f, updatedAt: _u, positions: _p, appliedEventIds, ...rest } = doc;
  return { ...rest, appliedEventIds: [...appliedEventIds].sort() };
}

describe('order fold', () => {
  it('when an order is created and moves through the machine, then status and timeline follow the events', () => {
    const c = created();
    const doc = fold([[c, status('pending', 'paid', 1), status('paid', 'processing', 2)], [status(null, 'shipped', 3)]]);
    expect(doc).toMatchObject({ _id: 'pharma-001/ord-1', created: true, status: 'shipped', rev: 2 });
    expect(doc!.timeline.map((t) => [t.from, t.to, t.by])).toEqual([
      [null, 'pending', 'user-1'],
      ['pending', 'paid', 'user-1'],
      ['paid', 'processing', 'user-2'],
      ['processing', 'shipped', 'user-3'],
    ]);
    expect(doc!.rejectedTransitions).toEqual([]);
  });

  it('when a status change arrives before its creation, then it is parked and applied once the creation lands', () => {
    const c = created();
    const s1 = status('pending', 'paid', 1);
    const s2 = status('paid', 'cancelled', 2);
    const parked = fold([[s1], [s2]]);
    expect(parked).toMatchObject({ created: false, status: null, parkedStatusChanges: 2, timeline: [] });
    const late = fold([[s1], [s2], [c]]);
    const inOrder = fold([[c], [s1, s2]]);
    expect(state(late)).toEqual(state(inOrder));
    expect(late).toMatchObject({ status: 'cancelled', parkedStatusChanges: 0 });
  });

  it('when any event is delivered again, then nothing changes and no write is planned', () => {
    const events = [created(), status('pending', 'paid', 1), updated({ paymentStatus: 'paid' }, 2)];
    const doc = fold([events]);
    const again = applyFacts(doc, events.map(fact), at(5000));
    expect(again).toMatchObject({ next: null, applied: 0, duplicates: 3 });
  });

  it('when a transition breaks the machine, then it is recorded as rejected, counted once, and not applied', () => {
    const c = created();
    const first = applyFacts(null, [c, status(null, 'delivered', 1)].map(fact), at(100));
    expect(first.next).toMatchObject({ status: 'pending' });
    expect(first.next!.rejectedTransitions).toEqual([
      expect.objectContaining({ from: 'pending', to: 'delivered', claimedFrom: null, rejectedBecause: 'illegal-transition' }),
    ]);
    expect(first.newRejections).toHaveLength(1);
    const second = applyFacts(first.next, [fact(status('pending', 'paid', 2))], at(101));
    expect(second.next).toMatchObject({ status: 'paid' });
    expect(second.newRejections).toHaveLength(0);
  });

  it('when the publisher claimed a stale old status, then the machine from the real status decides', () => {
    const doc = fold([[created(), status('pending', 'paid', 1), status('pending', 'cancelled', 2), status('pending', 'paid', 3)]]);
    expect(doc).toMatchObject({ status: 'cancelled' });
    expect(doc!.rejectedTransitions.map((r) => [r.from, r.to, r.claimedFrom])).toEqual([['cancelled', 'paid', 'pending']]);
  });

  it('when a PATCH carries an occurredAt older than its creation (clock skew between replicas), then it still applies', () => {
    const c = created(10);
    const doc = fold([[c, updated({ paymentStatus: 'paid' }, 9)]]);
    expect(doc).toMatchObject({ paymentStatus: 'paid' });
  });

  it('when U1 and U2 follow in the partition but U2 carries the earlier clock, then they apply as U1, U2', () => {
    const u1 = updated({ paymentStatus: 'credit', deliveryDate: '2026-11-24T10:00:00.000Z' }, 20);
    const u2 = updated({ paymentStatus: 'paid' }, 15);
    const doc = fold([[created()], [u1], [u2]]);
    expect(doc).toMatchObject({ paymentStatus: 'paid', deliveryDate: new Date('2026-11-24T10:00:00.000Z') });
  });

  it('when an order is deleted, then it is kept with the deletion and later changes are refused', () => {
    const doc = fold([[created(), status('pending', 'paid', 1), deleted(5), updated({ paymentStatus: 'refunded' }, 6), status('paid', 'processing', 7)]]);
    expect(doc).toMatchObject({ status: 'paid', paymentStatus: 'unpaid', deleted: expect.objectContaining({ reason: 'customer request' }) });
    expect(doc!.rejectedTransitions).toEqual([expect.objectContaining({ to: 'processing', rejectedBecause: 'order-deleted' })]);
  });

  it('when the creation is published twice, then the first in partition order wins', () => {
    const a = created(1, 'pending');
    const b = created(0, 'paid');
    expect(fold([[a], [b]])).toMatchObject({ status: 'pending' });
    expect(fold([[a, b]])).toMatchObject({ status: 'pending' });
  });

  it('when the two topics interleave differently, then every interleaving yields the same order', () => {
    const orderStream = [created(), updated({ paymentStatus: 'paid' }, 3)];
    const statusStream = [status('pending', 'paid', 1), status('paid', 'processing', 2), status('processing', 'shipped', 4)];
    const results = new Set<string>();
    // Every merge of the two streams that keeps each stream's own order, one event per batch.
    const merges = (a: Envelope[], b: Envelope[]): Envelope[][] =>
      !a.length ? [b] : !b.length ? [a] : [...merges(a.slice(1), b).map((m) => [a[0]!, ...m]), ...merges(a, b.slice(1)).map((m) => [b[0]!, ...m])];
    for (const merge of merges(orderStream, statusStream)) results.add(JSON.stringify(state(fold(merge.map((e) => [e])))));
    expect(results.size).toBe(1);
    expect(JSON.parse([...results][0]!)).toMatchObject({ status: 'shipped', paymentStatus: 'paid' });
  });

  it('when an event of another domain reaches the sink, then it is a permanent UNKNOWN_EVENT_TYPE; stock.low is nothing to do', () => {
    const e = createEvent({ eventType: 'appointment.booked', tenantCode: 'pharma-001', source: 't', actor, data: sampleData('appointment.booked') });
    expect(() => factOf(e)).toThrow(expect.objectContaining({ code: 'UNKNOWN_EVENT_TYPE' }));
    const low = createEvent({ eventType: 'stock.low', tenantCode: 'pharma-001', source: 't', actor, data: sampleData('stock.low') });
    expect(factOf(low)).toBeNull();
  });

  it('when facts are folded, then the keyed fact names the tenant-scoped order', () => {
    const f: KeyedFact = factOf(created())!;
    expect([f.key, f.tenantCode, f.orderId, f.incoming.kind]).toEqual(['pharma-001/ord-1', 'pharma-001', 'ord-1', 'created']);
  });
});

describe('order fulfilment', () => {
  it('when stock is reserved for the order, then the order shows it with the items', () => {
    const doc = fold([[created()], [stock('stock.reserved', 1)]]);
    expect(doc!.fulfilment).toEqual({ state: 'reserved', items: [{ productId: 'prod-amox', quantity: 2, remaining: 98 }], eventId: expect.any(String), at: at(1).toISOString() });
  });

  it('when the reservation failed, then the order shows the failing items and why', () => {
    const doc = fold([[created()], [stock('stock.reservation_failed', 1)]]);
    expect(doc!.fulfilment).toMatchObject({ state: 'failed', items: [expect.objectContaining({ productId: expect.any(String), reason: expect.stringMatching(/insufficient_stock|unknown_product/) })] });
  });

  it('when reserved stock is released after a cancellation, then the order shows it released with the reason', () => {
    const doc = fold([[created(), status('pending', 'cancelled', 1)], [stock('stock.reserved', 1)], [stock('stock.released', 2)]]);
    expect(doc!.fulfilment).toMatchObject({ state: 'released', reason: 'cancelled' });
  });

  it('when the inventory event arrives before the order is created, then it is kept and shown once the creation lands', () => {
    const r = stock('stock.reserved', 1);
    const c = created();
    const early = fold([[r]]);
    expect(early).toMatchObject({ created: false, fulfilment: { state: 'reserved' } });
    expect(state(fold([[r], [c]]))).toEqual(state(fold([[c], [r]])));
  });

  it('when inventory events are replayed, then nothing changes and no write is planned', () => {
    const events = [created(), stock('stock.reserved', 1), stock('stock.released', 2)];
    const doc = fold([events]);
    expect(applyFacts(doc, events.map(fact), at(5000))).toMatchObject({ next: null, duplicates: 3 });
    expect(applyFacts(doc, [fact(events[1]!)], at(5001))).toMatchObject({ next: null });
    expect(doc!.fulfilment).toMatchObject({ state: 'released' });
  });
});

describe('bounded order documents', () => {
  const maxItems = Array.from({ length: 200 }, (_, i) => ({ productId: `p-${i}`, medication: 'M'.repeat(200), quantity: 1, unitPrice: 1 }));

  it('when 1,000 max-size PATCHes are folded into one order, then the document stays far below 16 MB', () => {
    let doc = fold([[created()]])!;
    for (let i = 0; i < 1_000; i++) {
      const u = updated({ items: maxItems, totalPrice: 200, customer: { name: `Customer ${i}`, phone: '+15550001111' } }, i + 1);
      doc = applyFacts(doc, [fact(u)], at(2000 + i)).next ?? doc;
    }
    expect(doc.customer).toMatchObject({ name: 'Customer 999' });
    expect(Buffer.byteLength(JSON.stringify(doc))).toBeLessThan(200_000);
    expect(doc.appliedEventIds.length).toBeLessThanOrEqual(100);
  });

  it('when the oldest event of a long-lived order is delivered again, then it is still recognised as applied', () => {
    const c = created();
    let doc = fold([[c]])!;
    for (let i = 0; i < 300; i++) doc = applyFacts(doc, [fact(updated({ paymentStatus: i % 2 ? 'paid' : 'credit' }, i + 1))], at(3000 + i)).next ?? doc;
    expect(applyFacts(doc, [fact(c)], at(9000))).toMatchObject({ next: null, duplicates: 1 });
  });

  it('when illegal transitions keep coming, then only the latest are kept and all are counted', () => {
    let doc = fold([[created(), status('pending', 'paid', 1)]])!;
    for (let i = 0; i < 100; i++) doc = applyFacts(doc, [fact(status(null, 'pending', 10 + i))], at(4000 + i)).next ?? doc;
    expect(doc.rejectedTransitions.length).toBeLessThanOrEqual(20);
    expect(doc.rejectedTotal).toBe(100);
  });
});
