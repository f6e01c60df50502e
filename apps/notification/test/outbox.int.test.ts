/**
 * The delivery outbox store on the real database, both ways of finding what is owed: the
 * `nextAttemptAt` query (MongoDB, where it is indexed) and the marker collection (FerretDB, which
 * would decode every delivery for that query). Both run here against the local server; which one
 * the app uses follows the detected dialect. Also: rows are sealed at rest and read back in clear.
 */
import { Keyring, generateKey } from '@medlives/crypto';
import { FERRETDB, MONGODB, type MongoHandle, connectMongo } from '@medlives/mongo';
import { randomMongoUrl } from '@medlives/testkit';
import { DELIVERIES_COLLECTION, DUE_COLLECTION, type DeliveryDoc } from '../src/store/collections';
import { NotificationStore } from '../src/store/outbox';

const FAR = new Date(Date.now() + 3_600_000);

function delivery(id: string, status: DeliveryDoc['status'] = 'pending'): DeliveryDoc {
  const now = new Date();
  return {
    _id: `${id}:sms`,
    eventId: id,
    eventType: 'order.created',
    channel: 'sms',
    tenantCode: 'pharma-001',
    orderId: `ord-${id}`,
    recipient: '+49 30 1234 5678',
    subject: '',
    body: `order ord-${id} received`,
    status,
    ...(status === 'pending' ? { nextAttemptAt: now } : { reason: 'opted_out' }),
    attempts: 0,
    createdAt: now,
    updatedAt: now,
    source: { topic: 't', partition: 0, offset: '1', key: null, value: Buffer.from('{"phone":"+49 30 1234 5678"}').toString('base64'), headers: {} },
  };
}

describe.each([
  ['nextAttemptAt query (MongoDB)', MONGODB],
  ['due markers (FerretDB)', FERRETDB],
])('notification outbox store — %s', (_label, dialect) => {
  let mongo: MongoHandle;
  let store: NotificationStore;
  beforeAll(async () => {
    mongo = await connectMongo(randomMongoUrl('nt_outbox').url);
    store = new NotificationStore(mongo.conn, Keyring.from(`k:${generateKey()}`), dialect);
  });
  afterAll(async () => {
    await mongo.conn.dropDatabase().catch(() => undefined);
    await mongo.close();
  });

  it('when deliveries are stored, then they are sealed at rest, owed ones come back due in clear, and a replay inserts nothing', async () => {
    const docs = [delivery('a'), delivery('b'), delivery('c'), delivery('s', 'skipped')];
    expect([...(await store.insertDeliveries(docs))].sort()).toEqual(['a:sms', 'b:sms', 'c:sms', 's:sms']);
    const raw = await mongo.conn.collection(DELIVERIES_COLLECTION).findOne({ _id: 'a:sms' as never });
    expect(raw).toMatchObject({ status: 'pending', sealed: { v: 1, kid: 'k' } });
    expect(JSON.stringify(raw)).not.toContain('1234');
    expect(raw!.recipient).toBeUndefined();

    const due = await store.dueRows(FAR, 100);
    expect(due.map((d) => d._id).sort()).toEqual(['a:sms', 'b:sms', 'c:sms']);
    expect(due.find((d) => d._id === 'a:sms')).toMatchObject({ recipient: '+49 30 1234 5678', body: 'order ord-a received', source: docs[0]!.source });
    expect((await store.dueRows(FAR, 100, (id) => id === 'b:sms')).map((d) => d._id).sort()).toEqual(['a:sms', 'c:sms']);
    expect(await store.insertDeliveries(docs)).toEqual(new Set());
  });

  it('when outcomes are settled in bulk, then sent leaves the due set, a retry is due at its time, a failure stays due until dead-lettered', async () => {
    const later = new Date(Date.now() + 60_000);
    await store.settleMany([
      { id: 'a:sms', expectAttempts: 0, set: { status: 'sent', attempts: 1, sentAt: new Date() }, settled: true },
      { id: 'b:sms', expectAttempts: 0, set: { status: 'pending', attempts: 1, nextAttemptAt: later, lastError: 'boom' }, settled: false },
      { id: 'c:sms', expectAttempts: 0, set: { status: 'failed', attempts: 1, nextAttemptAt: new Date(), deadLettered: false }, settled: false },
      // a stale writer (row no longer at attempts 5) changes nothing
      { id: 'a:sms', expectAttempts: 5, set: { status: 'unknown' }, settled: true },
    ]);
    expect((await store.dueRows(new Date(), 100)).map((d) => [d._id, d.status])).toEqual([['c:sms', 'failed']]);
    expect((await store.dueRows(FAR, 100)).map((d) => d._id).sort()).toEqual(['b:sms', 'c:sms']);
    expect((await store.dueRows(FAR, 100)).find((d) => d._id === 'a:sms')).toBeUndefined();
    const a = (await mongo.conn.collection(DELIVERIES_COLLECTION).findOne({ _id: 'a:sms' as never }))!;
    expect(a).toMatchObject({ status: 'sent', attempts: 1 });
    expect(a.nextAttemptAt).toBeUndefined();

    await store.markDeadLettered('c:sms');
    expect((await store.dueRows(FAR, 100)).map((d) => d._id)).toEqual(['b:sms']);
    const markers = (await mongo.conn.collection(DUE_COLLECTION).find({}).toArray()).map((m) => m._id);
    expect(markers).toEqual(dialect === FERRETDB ? ['b:sms'] : []);
  });

  it('when attempts are claimed in bulk, then each is claimed once; a second claim reports whether the first lease expired', async () => {
    const first = await store.claimMany([{ delivery: 'x', attempt: 1 }, { delivery: 'y', attempt: 1 }], 'me', 60_000);
    expect(first).toEqual([{ ok: true }, { ok: true }]);
    const again = await store.claimMany([{ delivery: 'x', attempt: 1 }, { delivery: 'x', attempt: 2 }], 'other', 60_000);
    expect(again).toEqual([{ ok: false, expired: false }, { ok: true }]);
    await store.claimMany([{ delivery: 'z', attempt: 1 }], 'me', -1);
    expect(await store.claim('z', 1, 'other', 60_000)).toEqual({ ok: false, expired: true });
  });

  it('when contacts are saved in bulk, then they are sealed, order.created never overwrites, order.updated merges', async () => {
    await store.saveContacts(new Map([['pharma-001:o1', { name: 'Ada', phone: '+49 1' }]]), new Map());
    await store.saveContacts(new Map([['pharma-001:o1', { name: 'Replay', phone: '+49 9' }]]), new Map([['pharma-001:o2', { email: 'b@example.org' }]]));
    await store.saveContacts(new Map(), new Map([['pharma-001:o1', { email: 'ada@example.org' }]]));
    const found = await store.findContacts(['pharma-001:o1', 'pharma-001:o2', 'pharma-001:none']);
    expect(Object.fromEntries(found)).toEqual({ 'pharma-001:o1': { name: 'Ada', phone: '+49 1', email: 'ada@example.org' }, 'pharma-001:o2': { email: 'b@example.org' } });
    const raw = JSON.stringify(await store.contacts.find({}).toArray());
    expect(raw).not.toMatch(/Ada|\+49 1|example\.org/);
  });
});
