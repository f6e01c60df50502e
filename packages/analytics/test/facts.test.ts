import { type Envelope, createEvent } from '@medlives/events';
import { applyEvent, emptyFact, latestStatus, sameFacts, zonedDayHour } from '../src/facts';
import { foldMedicationNames } from '../src/summary';

const actor = { userId: 'u', role: 'tenant' as const };
const T = 'pharma-001';
let clock = Date.parse('2026-11-20T10:00:00.000Z');
const tick = () => new Date((clock += 1000));
const at = () => tick().toISOString();

function created(orderId: string, total = 9): Envelope {
  return createEvent({
    eventType: 'order.created', tenantCode: T, source: 't', actor, occurredAt: tick(),
    data: { orderId, tenantCode: T, customer: { name: 'A', phone: '+44 20 7946 0000' }, items: [{ productId: 'amox', medication: 'Amox', quantity: 2, unitPrice: total / 2 }], totalPrice: total, orderDate: '2026-11-19T23:30:00.000Z' },
  } as never) as Envelope;
}
const updated = (orderId: string, total: number) =>
  createEvent({ eventType: 'order.updated', tenantCode: T, source: 't', actor, occurredAt: tick(), data: { orderId, tenantCode: T, changes: { items: [{ productId: 'para', medication: 'Para', quantity: 1, unitPrice: total }], totalPrice: total } } } as never) as Envelope;
const status = (orderId: string, newStatus: string) =>
  createEvent({ eventType: 'status.changed', tenantCode: T, source: 't', actor, occurredAt: tick(), data: { orderId, tenantCode: T, oldStatus: null, newStatus, changedBy: 'u', at: at() } } as never) as Envelope;

const fold = (events: Envelope[], tz?: string) => events.reduce((f, e) => applyEvent(f, e, tz), emptyFact(T, 'o1'));

function permutations<T>(xs: T[]): T[][] {
  return xs.length <= 1 ? [xs] : xs.flatMap((x, i) => permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((p) => [x, ...p]));
}

describe('order facts', () => {
  const events = [created('o1'), updated('o1', 12), status('o1', 'paid'), status('o1', 'processing'), status('o1', 'cancelled')];

  it('when the events arrive in any order, then the facts are the same', () => {
    const expected = fold(events);
    for (const p of permutations(events)) expect(sameFacts(fold(p), expected)).toBe(true);
    expect(expected).toMatchObject({ status: 'cancelled', grossCents: 1200, paidCents: 0, cancelled: 1, counted: 1, day: '2026-11-19', hour: 23 });
  });

  it('when every event is applied twice (replay, redelivery), then nothing changes', () => {
    const once = fold(events);
    expect(sameFacts(fold([...events, ...events]), once)).toBe(true);
    expect(sameFacts(events.reduce((f, e) => applyEvent(f, e), once), once)).toBe(true);
  });

  it('when an order was paid and delivered, then paid revenue is its latest total; a status without its creation counts nothing yet', () => {
    const f = fold([created('o1', 10), status('o1', 'paid'), status('o1', 'processing'), status('o1', 'shipped'), status('o1', 'delivered')]);
    expect(f).toMatchObject({ status: 'delivered', grossCents: 1000, paidCents: 1000, cancelled: 0 });
    expect(fold([status('o1', 'paid')])).toMatchObject({ counted: 0, grossCents: 0, status: 'paid' });
    expect(fold([created('o1'), { ...created('o1'), eventType: 'order.deleted', data: { orderId: 'o1', tenantCode: T } } as Envelope])).toMatchObject({ counted: 0, grossCents: 0 });
  });

  it('when the tenant has a time zone, then the local day and hour follow it', () => {
    expect(fold([created('o1')], 'Europe/Berlin')).toMatchObject({ day: '2026-11-19', hour: 23, localDay: '2026-11-20', localHour: 0 });
    expect(zonedDayHour(new Date('2026-07-01T03:00:00Z'), 'America/New_York')).toEqual({ day: '2026-06-30', hour: 23 });
  });

  it('latest status follows the machine: cancel beats processing, shipped beats cancel', () => {
    expect(latestStatus(['pending', 'paid', 'processing', 'cancelled'])).toBe('cancelled');
    expect(latestStatus(['credit', 'pending'])).toBe('credit');
    expect(latestStatus(['credit', 'paid', 'pending'])).toBe('paid');
    expect(latestStatus([])).toBeNull();
  });

  it('FerretDB fallback: (productId, name) rows fold into one row per product keeping the greatest name, as $max would', () => {
    expect(foldMedicationNames([
      { productId: 'a', medication: 'Amox 250', quantity: 2, cents: 300 },
      { productId: 'a', medication: 'Amox 500', quantity: 1, cents: 250 },
      { productId: 'b', medication: 'B', quantity: 4, cents: 100 },
    ])).toEqual([{ productId: 'a', medication: 'Amox 500', quantity: 3, revenue: 5.5 }, { productId: 'b', medication: 'B', quantity: 4, revenue: 1 }]);
  });
});
