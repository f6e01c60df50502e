/**
 * Issue 8 §4: `GET /api/v1/notifications?orderId=|patientId=` reads what notification-service
 * recorded — channel, status, attempts — scoped to the caller's tenant.
 */
import pino from 'pino';
import { generateKey } from '@medlives/crypto';
import { parseConfig } from '@medlives/runtime';
import { sampleData, waitFor } from '@medlives/testkit';
import { createApp as createNotificationApp } from '../../notification/src/app';
import { NotificationEnv } from '../../notification/src/config';
import { ADMIN_KEY, OTHER_KEY, type ApiHarness, startApi } from './harness';

describe('notifications read route', () => {
  let api: ApiHarness;
  let worker: ReturnType<typeof createNotificationApp>;
  beforeAll(async () => {
    const keys = `k1:${generateKey()}`;
    api = await startApi({ ENCRYPTION_KEYS: keys });
    const mongoUrl = process.env.MONGO_URL!.replace(/\/?$/, '') + `/${api.dbName}`;
    worker = createNotificationApp(
      parseConfig(NotificationEnv, { KAFKA_BROKERS: process.env.KAFKA_BROKERS, MONGO_URL: mongoUrl, TOPIC_PREFIX: api.topology.prefix, PORT: '0', LOG_LEVEL: 'silent', NOTIFY_EMAIL_PROVIDER: 'none', ENCRYPTION_KEYS: keys }),
      { logger: pino({ level: 'silent' }) },
    );
    await worker.start();
  });
  afterAll(async () => {
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

  it('when neither or both of orderId and patientId are given, then 422 names the query', async () => {
    const none = await api.request('GET', '/api/v1/notifications');
    expect(none.status).toBe(422);
    const both = await api.request('GET', '/api/v1/notifications?orderId=a&patientId=b');
    expect(both.status).toBe(422);
    expect(JSON.stringify(both.body)).toContain('query');
  });
});
