/**
 * Issue 10, audit trail: a create, a read of patient data and a denied cross-tenant read each
 * reach the audit store (through audit-events and audit-service) with the actor and the
 * correlation id; the audit trail is for admin keys only; a read whose audit record cannot be
 * published is refused (fail-closed), never served silently.
 */
import pino from 'pino';
import { parseConfig } from '@medlives/runtime';
import { type TcpProxy, randomMongoUrl, sampleData, startTcpProxy, waitFor } from '@medlives/testkit';
import { createApp as createAuditApp } from '../../audit/src/app';
import { AuditEnv } from '../../audit/src/config';
import { ADMIN_KEY, type ApiHarness, OTHER_KEY, startApi } from './harness';

interface AuditItem { eventType: string; tenantCode: string; actor: { userId: string; role: string }; correlationId: string; subjectId: string; outcome: string; action: string; httpStatus: number; data: Record<string, unknown> }

describe('audit trail', () => {
  let api: ApiHarness;
  let worker: ReturnType<typeof createAuditApp>;
  const trail = async (query: string): Promise<AuditItem[]> => {
    const r = await api.request('GET', `/api/v1/audit?${query}`, { key: ADMIN_KEY });
    if (r.status !== 200) throw new Error(`audit read: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body.items as AuditItem[];
  };
  const byCorrelation = (id: string) => waitFor(`the audit record of ${id}`, async () => (await trail('limit=500')).find((i) => i.correlationId === id), { timeoutMs: 30_000, intervalMs: 200 });

  beforeAll(async () => {
    const { url } = randomMongoUrl('audit');
    api = await startApi({ MONGO_URL: url });
    worker = createAuditApp(parseConfig(AuditEnv, { KAFKA_BROKERS: process.env.KAFKA_BROKERS, MONGO_URL: url, TOPIC_PREFIX: api.topology.prefix, PORT: '0', LOG_LEVEL: 'silent' }), { logger: pino({ level: 'silent' }) });
    await worker.start();
  });
  afterAll(async () => {
    await worker?.stop();
    await api?.close();
  });

  it('when an order is created, a patient\'s data is read and another tenant is denied, then each is in the audit store with actor and correlation id', async () => {
    const { tenantCode: _t, orderId: _o, status: _s, paymentStatus: _p, ...order } = sampleData('order.created') as Record<string, unknown>;
    const created = await api.request('POST', '/api/v1/orders', { body: order, headers: { 'x-correlation-id': 'audit-create-1' } });
    expect(created.status).toBe(202);
    const read = await api.request('GET', '/api/v1/notifications?patientId=pat-aud-1', { headers: { 'x-correlation-id': 'audit-read-1' } });
    expect(read.status).toBe(200);
    const records = await api.request('GET', '/api/v1/patients/pat-aud-1/records', { headers: { 'x-correlation-id': 'audit-read-2' } });
    const denied = await api.request('GET', '/api/v1/notifications?patientId=pat-aud-1&tenantCode=pharma-001', { key: OTHER_KEY, headers: { 'x-correlation-id': 'audit-denied-1' } });
    expect(denied.status).toBe(403);

    const c = await byCorrelation('audit-create-1');
    expect(c).toMatchObject({ eventType: 'data.modified', tenantCode: 'pharma-001', actor: { role: 'tenant' }, subjectId: created.body.orderId, outcome: 'success', action: 'POST /api/v1/orders', httpStatus: 202 });
    expect(c.actor.userId).toMatch(/^key-[0-9a-f]{12}$/);
    expect(c.data.eventId).toBe(created.body.eventId);
    const r = await byCorrelation('audit-read-1');
    expect(r).toMatchObject({ eventType: 'data.accessed', tenantCode: 'pharma-001', subjectId: 'pat-aud-1', outcome: 'success', action: 'GET /api/v1/notifications' });
    // Patient routes are audited by their path, whatever the route answers (here: none in this build → 404).
    expect(await byCorrelation('audit-read-2')).toMatchObject({ eventType: 'data.accessed', subjectId: 'pat-aud-1', outcome: records.status === 200 ? 'success' : expect.any(String), httpStatus: records.status });
    const d = await byCorrelation('audit-denied-1');
    expect(d).toMatchObject({ eventType: 'data.accessed', tenantCode: 'pharma-002', subjectId: 'pat-aud-1', outcome: 'denied', httpStatus: 403, data: expect.objectContaining({ targetTenant: 'pharma-001' }) });
    expect(d.actor.userId).not.toBe(r.actor.userId);

    const forPatient = await trail('subject=pat-aud-1');
    expect(forPatient.map((i) => i.correlationId).sort()).toEqual(['audit-denied-1', 'audit-read-1', 'audit-read-2']);
    const future = await trail(`subject=pat-aud-1&from=${new Date(Date.now() + 60_000).toISOString()}`);
    expect(future).toEqual([]);
  });

  it('when a tenant key asks for the audit trail, then 403; a bad query is 422 naming it', async () => {
    expect((await api.request('GET', '/api/v1/audit?subject=pat-aud-1')).status).toBe(403);
    const bad = await api.request('GET', '/api/v1/audit?from=yesterday', { key: ADMIN_KEY });
    expect(bad.status).toBe(422);
    expect(JSON.stringify(bad.body)).toContain('query.from');
  });
});

describe('audit trail when Kafka cannot take the audit record', () => {
  let proxy: TcpProxy;
  let api: ApiHarness;
  beforeAll(async () => {
    proxy = await startTcpProxy(process.env.KAFKA_BROKERS!, { kafka: true });
    api = await startApi({ KAFKA_BROKERS: proxy.address, PUBLISH_TIMEOUT_MS: '1500', KAFKA_ACK_TIMEOUT_MS: '2000' });
    await waitFor('readiness through the proxy', async () => (await fetch(`${api.base}/readyz`)).status === 200, { timeoutMs: 30_000 });
  });
  afterAll(async () => {
    await api?.close();
    await proxy?.close();
  });

  it('when the audit publish fails, then the patient read answers 503 without the data; once Kafka is back it is served and audited', async () => {
    expect((await api.request('GET', '/api/v1/notifications?patientId=pat-aud-2')).status).toBe(200);
    proxy.set({ kind: 'blackhole' });
    const refused = await api.request('GET', '/api/v1/notifications?patientId=pat-aud-2', { headers: { 'x-correlation-id': 'audit-fail-1' } });
    expect(refused.status).toBe(503);
    expect(refused.body.error.code).toBe('AUDIT_UNAVAILABLE');
    expect(refused.body.items).toBeUndefined();
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await api.metric('medlives_audit_publish_failures_total', { kind: 'read' })).toBe(1);

    proxy.set({ kind: 'pass' });
    const served = await waitFor('the read to be served again', async () => {
      const r = await api.request('GET', '/api/v1/notifications?patientId=pat-aud-2', { headers: { 'x-correlation-id': 'audit-fail-2' } });
      return r.status === 200 && r;
    }, { timeoutMs: 30_000, intervalMs: 500 });
    expect(served.body.items).toEqual([]);
    const record = await waitFor('its audit record on the topic', () => api.recorder.records.find((x) => x.topic === 'audit-events' && x.decoded.ok && x.decoded.envelope.correlationId === 'audit-fail-2'));
    expect(record.decoded.ok && record.decoded.envelope.eventType).toBe('data.accessed');
  });
});
