import mongoose from 'mongoose';
import { orderKey } from '@medlives/orders';
import { waitFor } from '@medlives/testkit';
import { WRITE_ROUTES } from '../src/routes/write-routes';
import { validRequest } from './bodies';
import { ADMIN_KEY, type ApiHarness, OTHER_KEY, startApi } from './harness';

const createOrder = WRITE_ROUTES.find((r) => r.operationId === 'createOrder')!;

describe('producer API semantics', () => {
  let api: ApiHarness;
  beforeAll(async () => {
    api = await startApi({ BODY_LIMIT: '4kb' });
  });
  afterAll(() => api.close());

  it('when the same Idempotency-Key and body are sent twice, then the same 202 comes back and the topic holds one record', async () => {
    const { path, body } = validRequest(createOrder);
    delete body.orderId; // the server generates it: a replay must return the same one
    const first = await api.request('POST', path, { body, headers: { 'idempotency-key': 'idem-1' } });
    const replays = await api.metric('medlives_idempotent_replays_total');
    const second = await api.request('POST', path, { body, headers: { 'idempotency-key': 'idem-1' } });
    expect(first.status).toBe(202);
    expect(second.status).toBe(202);
    expect(second.body).toEqual(first.body);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(await api.metric('medlives_idempotent_replays_total')).toBe(replays + 1);
    await api.recorder.waitForEvent(first.body.eventId);
    const orderId = first.body.orderId;
    expect(api.recorder.count((r) => r.decoded.ok && (r.decoded.envelope.data as { orderId?: string }).orderId === orderId)).toBe(1);
  });

  it('when an Idempotency-Key is reused with a different body, then 422 and nothing new is published', async () => {
    const { path, body } = validRequest(createOrder);
    const first = await api.request('POST', path, { body, headers: { 'idempotency-key': 'idem-2' } });
    await api.recorder.waitForEvent(first.body.eventId);
    const before = api.recorder.records.length;
    const second = await api.request('POST', path, { body: { ...body, totalPrice: 13, items: [{ productId: 'p', medication: 'm', quantity: 1, unitPrice: 13 }] }, headers: { 'idempotency-key': 'idem-2' } });
    expect(first.status).toBe(202);
    expect(second.status).toBe(422);
    expect(second.body.error.code).toBe('IDEMPOTENCY_KEY_REUSED');
    await api.expectNothingPublishedSince(before);
  });

  it('when another API replica gets the replay, then it answers from the shared store', async () => {
    const replica = await startApi({ MONGO_URL: `${process.env.MONGO_URL}/${api.dbName}` }, { topology: api.topology, recorder: api.recorder });
    try {
      const { path, body } = validRequest(createOrder);
      const first = await api.request('POST', path, { body, headers: { 'idempotency-key': 'idem-3' } });
      const second = await replica.request('POST', path, { body, headers: { 'idempotency-key': 'idem-3' } });
      expect(second.body).toEqual(first.body);
      expect(second.headers.get('idempotent-replayed')).toBe('true');
    } finally {
      await replica.app.stop();
    }
  });

  it.each([
    ['no Authorization header', null, 401],
    ['an unknown key', 'not-a-real-key-123', 401],
  ])('when the request has %s, then %i', async (_what, key, status) => {
    const { path, body } = validRequest(createOrder);
    const res = await api.request('POST', path, { body, key });
    expect(res.status).toBe(status);
    expect(res.body.error.code).toBe('UNAUTHORIZED');
  });

  it('when a tenant writes for another tenant, then 403 and nothing is published', async () => {
    const { path, body } = validRequest(createOrder);
    const before = api.recorder.records.length;
    const res = await api.request('POST', path, { body: { ...body, tenantCode: 'pharma-001' }, key: OTHER_KEY });
    expect(res.status).toBe(403);
    await api.expectNothingPublishedSince(before);
  });

  it('when the admin writes for a named tenant, then the event carries that tenant', async () => {
    const { path, body } = validRequest(createOrder);
    const res = await api.request('POST', path, { body: { ...body, tenantCode: 'pharma-002' }, key: ADMIN_KEY });
    expect(res.status).toBe(202);
    const record = await api.recorder.waitForEvent(res.body.eventId);
    expect(record.decoded.ok && record.decoded.envelope.tenantCode).toBe('pharma-002');
    expect(record.decoded.ok && record.decoded.envelope.actor.role).toBe('admin');
  });

  it.each([
    ['malformed JSON', { raw: '{"customer": ', headers: {} }, 400, 'MALFORMED_JSON'],
    ['a non-JSON content type', { raw: 'hello', headers: { 'content-type': 'text/plain' } }, 415, 'UNSUPPORTED_MEDIA_TYPE'],
    ['a body over the limit', { raw: JSON.stringify({ pad: 'x'.repeat(5_000) }), headers: {} }, 413, 'PAYLOAD_TOO_LARGE'],
    ['a JSON array', { raw: '[1,2]', headers: {} }, 422, 'SCHEMA_INVALID'],
  ])('when the body is %s, then %i with a JSON error and no stack trace', async (_what, options, status, code) => {
    const res = await api.request('POST', '/api/v1/orders', options);
    expect(res.status).toBe(status);
    expect(res.body.error.code).toBe(code);
    expect(JSON.stringify(res.body)).not.toMatch(/\bat .+\.(ts|js):\d+/);
  });

  it('when a route does not exist, then 404 JSON', async () => {
    const res = await api.request('GET', '/api/v1/nothing-here');
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('NOT_FOUND');
  });

  it('when any response is sent, then it has security headers, no x-powered-by, and the correlation id', async () => {
    const res = await api.request('GET', '/healthz', { key: null, headers: { 'x-correlation-id': 'trace-me-1' } });
    expect(res.headers.get('x-powered-by')).toBeNull();
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-correlation-id')).toBe('trace-me-1');
  });

  it('when the read model knows the order and the move is illegal, then 409 with the current status and nothing is published', async () => {
    const conn = await mongoose.createConnection(`${process.env.MONGO_URL}/${api.dbName}`).asPromise();
    // The read model's shape (packages/orders): keyed by tenant and order, creation applied.
    await conn.collection('orders').insertOne({ _id: orderKey('pharma-001', 'ord-shipped') as never, orderId: 'ord-shipped', tenantCode: 'pharma-001', created: true, status: 'delivered', deleted: null, rev: 3 });
    await conn.close();
    const before = api.recorder.records.length;
    const res = await api.request('POST', '/api/v1/orders/ord-shipped/status', { body: { status: 'paid' } });
    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({ code: 'ILLEGAL_TRANSITION', currentStatus: 'delivered' });
    await api.expectNothingPublishedSince(before);
  });

  it('when an order is not in the read model, then GET is 404 at once and waitFor=persisted gives up after its timeout', async () => {
    const now = await api.request('GET', '/api/v1/orders/never-made');
    expect(now.status).toBe(404);
    const waited = await api.request('GET', '/api/v1/orders/never-made?waitFor=persisted&timeoutMs=600');
    expect(waited.status).toBe(404);
    expect(waited.ms).toBeGreaterThanOrEqual(550);
    expect((await api.request('GET', '/api/v1/orders/x?waitFor=later')).status).toBe(422);
    expect((await api.request('GET', '/api/v1/orders/x?timeoutMs=99999&waitFor=persisted')).body.error.issues[0].path).toBe('query.timeoutMs');
  });

  it('when orders are listed with a bad filter, then 422 names the query parameter; a good one pages', async () => {
    const bad = await api.request('GET', '/api/v1/orders?status=lost');
    expect(bad.status).toBe(422);
    expect(bad.body.error.issues[0].path).toBe('query.status');
    const page = await api.request('GET', '/api/v1/orders?status=delivered&limit=5');
    expect(page.status).toBe(200);
    expect(page.body).toEqual({ items: [expect.objectContaining({ orderId: 'ord-shipped', status: 'delivered' })], nextCursor: null });
    expect((await api.request('GET', '/api/v1/orders?status=delivered', { key: OTHER_KEY })).body.items).toEqual([]);
  });

  it('when the OpenAPI document is fetched, then it is 3.1 and documents every write route', async () => {
    const res = await api.request('GET', '/api/v1/openapi.json', { key: null });
    expect(res.body.openapi).toBe('3.1.0');
    const operations = Object.values(res.body.paths as Record<string, Record<string, { operationId: string }>>).flatMap((p) => Object.values(p).map((o) => o.operationId));
    for (const route of WRITE_ROUTES) expect(operations).toContain(route.operationId);
    const docs = await fetch(`${api.base}/api/v1/docs`);
    expect(docs.headers.get('content-type')).toMatch(/text\/html/);
    // Swagger UI from swagger-ui-dist, on the served document (the browser test drives it).
    expect(await docs.text()).toContain('/api/v1/docs/swagger-ui-bundle.js');
    expect((await fetch(`${api.base}/api/v1/docs/swagger-ui-bundle.js`)).status).toBe(200);
  });

  it('when SIGTERM-style stop happens under load, then readiness fails and every accepted request is on Kafka', async () => {
    const other = await startApi({}, { topology: api.topology, recorder: api.recorder });
    const results: Array<{ status: number; body: any }> = [];
    const inflight = Array.from({ length: 40 }, () => {
      const { path, body } = validRequest(createOrder);
      return other.request('POST', path, { body }).then(
        (r) => void results.push(r),
        () => void results.push({ status: 0, body: undefined }),
      );
    });
    // Stop while the rest are in flight: after the first answer, not before any request arrived.
    await waitFor('a first answer', () => results.length > 0);
    const stopStarted = Date.now();
    const stopping = other.app.stop();
    expect(other.app.ready()).toBe(false);
    await Promise.all(inflight);
    await stopping;
    // Well inside the pod's grace period (SHUTDOWN_TIMEOUT_MS 20 s), not the 65 s keep-alive timeout.
    expect(Date.now() - stopStarted).toBeLessThan(10_000);
    const accepted = results.filter((r) => r.status === 202);
    expect(accepted.length).toBeGreaterThan(0);
    expect(results.filter((r) => ![202, 0, 503].includes(r.status))).toEqual([]);
    for (const r of accepted) await api.recorder.waitForEvent(r.body.eventId);
  });
});

describe('producer API when Kafka is unreachable', () => {
  let api: ApiHarness;
  beforeAll(async () => {
    api = await startApi({ KAFKA_BROKERS: '127.0.0.1:1', PUBLISH_TIMEOUT_MS: '1500' });
  });
  afterAll(() => api.close());

  it('when an order is posted, then 503 with Retry-After within the bound, not ready, and no record appears', async () => {
    const { path, body, entityId } = validRequest(createOrder);
    const res = await api.request('POST', path, { body, headers: { 'idempotency-key': 'down-1' } });
    expect(res.status).toBe(503);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(res.ms).toBeLessThan(1_500 + 500);
    expect((await api.request('GET', '/readyz', { key: null })).status).toBe(503);
    // A 503 is not stored as the answer: the retry re-drives the same event (no 409, no replayed 503).
    const retry = await api.request('POST', path, { body, headers: { 'idempotency-key': 'down-1' } });
    expect(retry.status).toBe(503);
    expect(retry.headers.get('idempotent-replayed')).toBeNull();
    expect(api.recorder.count((r) => r.decoded.ok && (r.decoded.envelope.data as { orderId?: string }).orderId === entityId)).toBe(0);
  });
});

describe('producer API rate limit', () => {
  let api: ApiHarness;
  beforeAll(async () => {
    api = await startApi({ RATE_LIMIT_PER_SECOND: '1', RATE_LIMIT_BURST: '2' });
  });
  afterAll(() => api.close());

  it('when a tenant exceeds its bucket, then 429 with Retry-After and the metric counts it', async () => {
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 4; i++) {
      const res = await api.request('GET', '/api/v1/products/none');
      statuses.push(res.status);
      if (res.status === 429) retryAfter = res.headers.get('retry-after');
    }
    expect(statuses.slice(0, 2)).toEqual([404, 404]);
    expect(statuses.slice(2)).toContain(429);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    expect(await api.metric('medlives_rate_limited_total', { tenant: 'pharma-001' })).toBeGreaterThanOrEqual(1);
    // Another tenant has its own bucket.
    expect((await api.request('GET', '/api/v1/products/none', { key: 'key-pharma-002-secret' })).status).toBe(404);
  });
});
