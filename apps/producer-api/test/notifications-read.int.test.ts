/**
 * Issue 8 §4: `GET /api/v1/notifications?orderId=|patientId=` reads what notification-service
 * recorded — channel, status, attempts — scoped to the caller's tenant.
 */
import mongoose, { type Connection } from 'mongoose';
import pino from 'pino';
import { generateKey } from '@medlives/crypto';
import { parseConfig } from '@medlives/runtime';
import { publish, sampleData, sampleEvent, waitFor } from '@medlives/testkit';
import { DELIVERIES_COLLECTION } from '../../notification/src/store/collections';
import { createApp as createNotificationApp } from '../../notification/src/app';
import { NotificationEnv } from '../../notification/src/config';
import { ADMIN_KEY, OTHER_KEY, type ApiHarness, startApi } from './harness';

const DESK_PHONE = '+49 30 5550 1234';

/** Every string in a document, and what each reads as when base64-decoded (the source record was stored base64). */
function strings(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value, Buffer.from(value, 'base64').toString('utf8'));
  else if (value && typeof value === 'object' && !(value instanceof Date)) for (const v of Object.values(value)) strings(v, out);
  return out;
}

describe('notifications read route', () => {
  let api: ApiHarness;
  let worker: ReturnType<typeof createNotificationApp>;
  let raw: Connection;
  beforeAll(async () => {
    const keys = `k1:${generateKey()}`;
    api = await startApi({ ENCRYPTION_KEYS: keys });
    const mongoUrl = process.env.MONGO_URL!.replace(/\/?$/, '') + `/${api.dbName}`;
    worker = createNotificationApp(
      parseConfig(NotificationEnv, { KAFKA_BROKERS: process.env.KAFKA_BROKERS, MONGO_URL: mongoUrl, TOPIC_PREFIX: api.topology.prefix, PORT: '0', LOG_LEVEL: 'silent', NOTIFY_EMAIL_PROVIDER: 'none', ENCRYPTION_KEYS: keys, NOTIFY_TENANT_ROUTES: JSON.stringify({ 'pharma-001': { sms: DESK_PHONE } }) }),
      { logger: pino({ level: 'silent' }) },
    );
    await worker.start();
    raw = await mongoose.createConnection(mongoUrl).asPromise();
  });
  afterAll(async () => {
    await raw?.close();
    await worker?.stop();
    await api?.close();
  });

  it('when an order is accepted, then its notifications are listed for the tenant and hidden from another', async () => {
    const { tenantCode: _t, orderId: _o, status: _s, paymentStatus: _p, ...order } = sampleData('order.created') as Record<string, unknown>;
    const created = await api.request('POST', '/api/v1/orders', { body: order });
    expect(created.status).toBe(202);
    const orderId = created.body.orderId as string;
    const listed = await waitFor('the notifications', async () => {
      const r = await api.request('GET', `/api/v1/notifications?orderId=${orderId}`);
      return r.status === 200 && r.body.items.length === 2 && r.body.items.every((i: { status: string }) => i.status === 'sent') ? r : undefined;
    }, { timeoutMs: 30_000, intervalMs: 250 });
    expect(listed.body.items.map((i: { channel: string }) => i.channel).sort()).toEqual(['push', 'sms']);
    expect(listed.body.items[0]).toMatchObject({ eventId: created.body.eventId, eventType: 'order.created', orderId, tenantCode: 'pharma-001', attempts: 1 });
    expect(listed.body.items[0].source).toBeUndefined();

    const other = await api.request('GET', `/api/v1/notifications?orderId=${orderId}`, { key: OTHER_KEY });
    expect(other).toMatchObject({ status: 200, body: { items: [] } });
    const admin = await api.request('GET', `/api/v1/notifications?orderId=${orderId}`, { key: ADMIN_KEY });
    expect(admin.body.items).toHaveLength(2);
  });

  it('when care and order events are notified, then no collection holds a phone, an appointment reason or a medication in clear, and the owner still reads recipients (issue 10)', async () => {
    const patientPhone = '+49 171 5550 777';
    const customerPhone = '+49 160 5550 888';
    const reason = 'follow-up on HbA1c 7.9% result';
    const medication = 'Metformin 850mg tablets';
    const booked = sampleEvent('appointment.booked', { tenantCode: 'pharma-001' });
    Object.assign(booked.data, { appointmentId: 'apt-sealed', patientId: 'pat-sealed', reason, patient: { name: 'Grace Hopper', phone: patientPhone } });
    const rx = sampleEvent('prescription.created', { tenantCode: 'pharma-001' });
    Object.assign(rx.data, { prescriptionId: 'rx-sealed', patientId: 'pat-sealed', medication, patient: { phone: patientPhone } });
    const order = sampleEvent('order.created', { tenantCode: 'pharma-001', orderId: 'ord-sealed' });
    order.data.customer = { name: 'Ada Lovelace', phone: customerPhone };
    await publish(api.topology.kafka, api.topology.prefix, [booked, rx, order]);

    const care = await waitFor('the care notifications', async () => {
      const r = await api.request('GET', '/api/v1/notifications?patientId=pat-sealed');
      const sms = r.body.items?.filter((i: { channel: string }) => i.channel === 'sms') ?? [];
      return r.status === 200 && sms.length === 2 && sms.every((i: { status: string }) => i.status === 'sent') ? r : undefined;
    }, { timeoutMs: 30_000, intervalMs: 250 });
    // the owner reads the (sealed) recipient and subject in clear
    expect(care.body.items.filter((i: { channel: string }) => i.channel === 'sms').map((i: { recipient: string }) => i.recipient)).toEqual([DESK_PHONE, DESK_PHONE]);
    const orders = await waitFor('the order notifications', async () => {
      const r = await api.request('GET', '/api/v1/notifications?orderId=ord-sealed');
      return r.body.items?.length === 2 && r.body.items.every((i: { status: string }) => i.status === 'sent') ? r : undefined;
    }, { timeoutMs: 30_000, intervalMs: 250 });
    expect(orders.body.items.find((i: { channel: string }) => i.channel === 'sms').recipient).toBe(customerPhone);
    expect((await api.request('GET', '/api/v1/notifications?patientId=pat-sealed', { key: OTHER_KEY })).body.items).toEqual([]);

    // a raw read of every collection of the database: none of it in clear
    const secrets = [patientPhone, customerPhone, DESK_PHONE, reason, medication, 'Grace Hopper'];
    const collections = await raw.db!.listCollections().toArray();
    expect(collections.map((c) => c.name)).toEqual(expect.arrayContaining([DELIVERIES_COLLECTION, 'notification_contacts']));
    let scanned = 0;
    for (const { name } of collections) {
      for (const doc of await raw.db!.collection(name).find({}).toArray()) {
        scanned++;
        const text = strings(doc).join('\n');
        for (const secret of secrets) expect({ collection: name, id: doc._id, found: text.includes(secret) ? secret : undefined }).toEqual({ collection: name, id: doc._id, found: undefined });
      }
    }
    expect(scanned).toBeGreaterThanOrEqual(7);
  });

  it('when a stored ciphertext is altered, then that record is listed with an error and the others still read', async () => {
    const rows = raw.collection(DELIVERIES_COLLECTION);
    const target = await rows.findOne({ orderId: 'ord-sealed', channel: 'sms' });
    expect(target?.sealed?.ct).toEqual(expect.any(String));
    const ct = Buffer.from(target!.sealed.ct as string, 'base64');
    ct[0] = ct[0]! ^ 0xff;
    await rows.updateOne({ _id: target!._id }, { $set: { 'sealed.ct': ct.toString('base64') } });
    const r = await api.request('GET', '/api/v1/notifications?orderId=ord-sealed');
    expect(r.status).toBe(200);
    const sms = r.body.items.find((i: { channel: string }) => i.channel === 'sms');
    expect(sms).toMatchObject({ recipient: null, status: 'sent' });
    expect(sms.error).toMatch(/failed authentication/);
    expect(r.body.items.find((i: { channel: string }) => i.channel === 'push')).toMatchObject({ recipient: 'orders/pharma-001/ord-sealed' });
  });

  it('when neither or both of orderId and patientId are given, then 422 names the query', async () => {
    const none = await api.request('GET', '/api/v1/notifications');
    expect(none.status).toBe(422);
    const both = await api.request('GET', '/api/v1/notifications?orderId=a&patientId=b');
    expect(both.status).toBe(422);
    expect(JSON.stringify(both.body)).toContain('query');
  });
});
