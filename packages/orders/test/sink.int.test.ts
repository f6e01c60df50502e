/**
 * The sink's optimistic concurrency on a real MongoDB-wire server: two writers with their own
 * caches update the same order one after the other, each from a stale view. Run with the
 * MongoDB dialect (revision-guarded replaces), which the server evaluates like MongoDB does.
 */
import mongoose, { type Connection } from 'mongoose';
import pino from 'pino';
import { Registry } from 'prom-client';
import { type Envelope, type EventDataInput, createEvent } from '@medlives/events';
import { MONGODB, detectDialect } from '@medlives/mongo';
import { type OrderDoc, createOrdersSink, ordersCollection } from '@medlives/orders';
import { randomMongoUrl, sampleData } from '@medlives/testkit';

const actor = { userId: 'u', role: 'tenant' as const };
const ids = { tenantCode: 'pharma-occ', orderId: 'occ-1' };
const created = createEvent({ eventType: 'order.created', tenantCode: ids.tenantCode, source: 't', actor, data: sampleData('order.created', ids) });
const change = (newStatus: string, oldStatus: string) =>
  createEvent({ eventType: 'status.changed', tenantCode: ids.tenantCode, source: 't', actor, data: { ...ids, oldStatus, newStatus, changedBy: 'u', at: new Date().toISOString() } as EventDataInput<'status.changed'> });

describe('orders sink concurrency', () => {
  let conn: Connection;
  beforeAll(async () => {
    conn = await mongoose.createConnection(randomMongoUrl('occ').url).asPromise();
  });
  afterAll(async () => {
    await conn.dropDatabase();
    await conn.close();
  });

  it('when two writers race on one order from stale views, then both changes land and the revision counts every write', async () => {
    const registry = new Registry();
    const sink = () => createOrdersSink({ conn, dialect: MONGODB, registry, logger: pino({ level: 'silent' }) });
    const a = sink();
    const b = sink();
    // Each event keeps its Kafka position across re-deliveries, as the broker would.
    const offsets = new Map<string, string>();
    const origin = (e: Envelope) => {
      if (!offsets.has(e.eventId)) offsets.set(e.eventId, String(offsets.size));
      return { topic: e.eventType === 'status.changed' ? 's' : 'o', partition: 0, offset: offsets.get(e.eventId)! };
    };
    const write = (s: ReturnType<typeof sink>, ...events: Envelope[]) => s.write(events.map((value) => ({ value, origin: origin(value) })));

    await write(a, created); // a caches rev 1
    const paid = change('paid', 'pending');
    await write(b, paid); // b has no cache and no creation in the batch: it reads, rev 2
    await write(a, change('processing', 'paid')); // a's cached rev 1 is stale: guarded replace misses, re-read, rev 3
    await write(b, created, paid); // replays are no-ops
    const c = sink();
    await write(c, created); // a creation is inserted without a read: it collides, re-reads, no-op

    const doc = (await ordersCollection(conn).findOne({ _id: 'pharma-occ/occ-1' })) as OrderDoc;
    expect(doc).toMatchObject({ status: 'processing', rev: 3 });
    expect(doc.timeline.map((t) => t.to)).toEqual(['pending', 'paid', 'processing']);
    const conflicts = await registry.getSingleMetric('medlives_orders_write_conflicts_total')?.get();
    // a's stale replace and c's colliding insert.
    expect(conflicts?.values[0]?.value).toBe(2);
  });

  it('when a batch changes 300 orders this instance has not cached, then one read command loads them all and each order is written once', async () => {
    // The dialect the server reports: on the MedLives FerretDB build (and MongoDB) `_id: {$in}` is
    // served from the index, so the batch needs one find, not one per order.
    const dialect = await detectDialect(conn);
    expect(dialect.batchedIdLookup).toBe(true);
    const tenantCode = 'pharma-reads';
    const orders = Array.from({ length: 300 }, (_, i) => ({ tenantCode, orderId: `r-${i}` }));
    const ev = (eventType: 'order.created' | 'status.changed', o: (typeof orders)[number], data?: object) =>
      createEvent({ eventType, tenantCode, source: 't', actor, data: (data ?? sampleData('order.created', o)) as never });
    const at = new Date().toISOString();
    const creations = orders.map((o) => ev('order.created', o));
    const changes = orders.flatMap((o) => [
      ev('status.changed', o, { ...o, oldStatus: 'pending', newStatus: 'paid', changedBy: 'u', at }),
      ev('status.changed', o, { ...o, oldStatus: 'paid', newStatus: 'processing', changedBy: 'u', at }),
    ]);
    const batch = (events: Envelope[], topic: string) => events.map((value, offset) => ({ value, origin: { topic, partition: 0, offset: String(offset) } }));
    const writer = createOrdersSink({ conn, dialect, registry: new Registry(), logger: pino({ level: 'silent' }) });
    await expect(writer.write(batch(creations, 'o'))).resolves.toEqual({ rejected: [] });

    const registry = new Registry();
    const fresh = createOrdersSink({ conn, dialect, registry, logger: pino({ level: 'silent' }) }); // empty cache: as after a restart
    await expect(fresh.write(batch(changes, 's'))).resolves.toEqual({ rejected: [] });
    const total = async (name: string) => ((await registry.getSingleMetric(name)?.get())?.values ?? []).reduce((n, v) => n + v.value, 0);
    expect(await total('medlives_mongo_read_operations_total')).toBe(1);
    expect(await total('medlives_mongo_documents_written_total')).toBe(300);
    const docs = (await ordersCollection(conn).find({ _id: { $in: orders.map((o) => `${tenantCode}/${o.orderId}`) } }).toArray()) as OrderDoc[];
    expect(docs).toHaveLength(300);
    expect(new Set(docs.map((d) => d.status))).toEqual(new Set(['processing']));

    // The next batch for the same orders comes from this instance's cache: no read at all.
    const cancels = orders.map((o) => ev('status.changed', o, { ...o, oldStatus: 'processing', newStatus: 'cancelled', changedBy: 'u', at }));
    await expect(fresh.write(batch(cancels, 's2'))).resolves.toEqual({ rejected: [] });
    expect(await total('medlives_mongo_read_operations_total')).toBe(1);
    expect(await total('medlives_mongo_documents_written_total')).toBe(600);
  });

  it('when 1,000 max-size PATCHes are written to one order, then every one lands and the document stays small', async () => {
    const sink = createOrdersSink({ conn, dialect: MONGODB, registry: new Registry(), logger: pino({ level: 'silent' }) });
    const order = { tenantCode: 'pharma-big', orderId: 'big-1' };
    const items = Array.from({ length: 200 }, (_, i) => ({ productId: `p-${i}`, medication: 'M'.repeat(200), quantity: 1, unitPrice: 1 }));
    const events: Envelope[] = [createEvent({ eventType: 'order.created', tenantCode: order.tenantCode, source: 't', actor, data: sampleData('order.created', order) })];
    for (let i = 0; i < 1_000; i++) {
      events.push(createEvent({ eventType: 'order.updated', tenantCode: order.tenantCode, source: 't', actor, data: { ...order, changes: { items, totalPrice: 200, customer: { name: `Customer ${i}`, phone: '+15550001111' } } } }));
    }
    for (let i = 0; i < events.length; i += 100) {
      const batch = events.slice(i, i + 100).map((value, j) => ({ value, origin: { topic: 'o', partition: 0, offset: String(i + j) } }));
      await expect(sink.write(batch)).resolves.toEqual({ rejected: [] });
    }
    const doc = (await ordersCollection(conn).findOne({ _id: 'pharma-big/big-1' })) as OrderDoc;
    expect(doc.customer).toMatchObject({ name: 'Customer 999' });
    expect(Buffer.byteLength(JSON.stringify(doc))).toBeLessThan(200_000);
  });
});
