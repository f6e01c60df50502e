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

/** Applies events one batch at a time, like the sink does, and returns the final document. */
function fold(batches: Envelope[][]): OrderDoc | null {
  let doc: OrderDoc | null = null;
  batches.forEach((batch, i) => {
    const result = applyFacts(doc, batch.map(factOf), at(1000 + i));
    if (result.next) doc = result.next;
  });
  return doc;
}

/** The state without bookkeeping that legitimately depends on arrival (write times, revision, fact order). */
function state(doc: OrderDoc | null) {
  if (!doc) return null;
  const { rev: _r, firstSeenAt: _f, updatedAt: _u, facts: _facts, appliedEventIds, ...rest } = doc;
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
    const again = applyFacts(doc, events.map(factOf), at(5000));
    expect(again).toMatchObject({ next: null, applied: 0, duplicates: 3 });
  });

  it('when a transition breaks the machine, then it is recorded as rejected, counted once, and not applied', () => {
    const c = created();
    const first = applyFacts(null, [c, status(null, 'delivered', 1)].map(factOf), at(100));
    expect(first.next).toMatchObject({ status: 'pending' });
    expect(first.next!.rejectedTransitions).toEqual([
      expect.objectContaining({ from: 'pending', to: 'delivered', claimedFrom: null, rejectedBecause: 'illegal-transition' }),
    ]);
    expect(first.newRejections).toHaveLength(1);
    const second = applyFacts(first.next, [factOf(status('pending', 'paid', 2))], at(101));
    expect(second.next).toMatchObject({ status: 'paid' });
    expect(second.newRejections).toHaveLength(0);
  });

  it('when the publisher claimed a stale old status, then the machine from the real status decides', () => {
    const doc = fold([[created(), status('pending', 'paid', 1), status('pending', 'cancelled', 2), status('pending', 'paid', 3)]]);
    expect(doc).toMatchObject({ status: 'cancelled' });
    expect(doc!.rejectedTransitions.map((r) => [r.from, r.to, r.claimedFrom])).toEqual([['cancelled', 'paid', 'pending']]);
  });

  it('when an older update arrives after a newer one, then it never overwrites the newer field', () => {
    const newer = updated({ paymentStatus: 'paid', deliveryDate: '2026-11-25T10:00:00.000Z' }, 20);
    const older = updated({ paymentStatus: 'credit' }, 10);
    const c = created();
    const doc = fold([[c], [newer], [older]]);
    expect(doc).toMatchObject({ paymentStatus: 'paid', deliveryDate: new Date('2026-11-25T10:00:00.000Z') });
    expect(state(doc)).toEqual(state(fold([[c], [older], [newer]])));
  });

  it('when an order is deleted, then it is kept with the deletion and later changes are refused', () => {
    const doc = fold([[created(), status('pending', 'paid', 1), deleted(5), updated({ paymentStatus: 'refunded' }, 6), status('paid', 'processing', 7)]]);
    expect(doc).toMatchObject({ status: 'paid', paymentStatus: 'unpaid', deleted: expect.objectContaining({ reason: 'customer request' }) });
    expect(doc!.rejectedTransitions).toEqual([expect.objectContaining({ to: 'processing', rejectedBecause: 'order-deleted' })]);
  });

  it('when the creation is published twice, then the earliest wins whatever the arrival order', () => {
    const a = created(0, 'pending');
    const b = created(1, 'paid');
    expect(state(fold([[b], [a]]))).toEqual(state(fold([[a], [b]])));
    expect(fold([[b], [a]])).toMatchObject({ status: 'pending' });
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

  it('when an event of another domain reaches the sink, then it is a permanent UNKNOWN_EVENT_TYPE', () => {
    const e = createEvent({ eventType: 'stock.low', tenantCode: 'pharma-001', source: 't', actor, data: sampleData('stock.low') });
    expect(() => factOf(e)).toThrow(expect.objectContaining({ code: 'UNKNOWN_EVENT_TYPE' }));
  });

  it('when facts are folded, then the keyed fact names the tenant-scoped order', () => {
    const f: KeyedFact = factOf(created());
    expect([f.key, f.tenantCode, f.orderId, f.incoming.kind]).toEqual(['pharma-001/ord-1', 'pharma-001', 'ord-1', 'created']);
  });
});
