import { openApiDocument } from '../src/routes/openapi';
import { WRITE_ROUTES } from '../src/routes/write-routes';
import { validRequest } from './bodies';
import { type ApiHarness, startApi } from './harness';

const createOrder = WRITE_ROUTES.find((r) => r.operationId === 'createOrder')!;
const updateOrder = WRITE_ROUTES.find((r) => r.operationId === 'updateOrder')!;

/** Hole 9: clients cannot set status or payment outside the status route's machine. */
describe('server-owned order fields', () => {
  let api: ApiHarness;
  beforeAll(async () => {
    api = await startApi();
  });
  afterAll(() => api.close());

  it.each([
    ['status', 'delivered'],
    ['paymentStatus', 'paid'],
  ])('when an order is created with %s, then 422 names the field and nothing is published', async (field, value) => {
    const { path, body } = validRequest(createOrder);
    const before = api.recorder.records.length;
    const res = await api.request('POST', path, { body: { ...body, [field]: value } });
    expect(res.status).toBe(422);
    expect(res.body.error.issues.map((i: { path: string }) => i.path)).toEqual([field]);
    await api.expectNothingPublishedSince(before);
  });

  it('when an order is only validated (POST /orders/validate), then a valid body answers 200, a bad one 422, nothing is published, and the document lists the route', async () => {
    const { body } = validRequest(createOrder);
    const before = api.recorder.records.length;
    const ok = await api.request('POST', '/api/v1/orders/validate', { body });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ valid: true, orderId: expect.any(String) });
    const bad = await api.request('POST', '/api/v1/orders/validate', { body: { ...body, totalPrice: 'nine' } });
    expect(bad.status).toBe(422);
    expect(bad.body.error.issues.map((i: { path: string }) => i.path)).toContain('totalPrice');
    await api.expectNothingPublishedSince(before);
    const paths = openApiDocument({ maxWaitMs: 1_000 }).paths as Record<string, Record<string, unknown>>;
    expect(Object.keys(paths['/api/v1/orders/validate'] ?? {})).toEqual(['post']);
  });

  it('when a PATCH sets paymentStatus, then 422 names the field and nothing is published', async () => {
    const { path } = validRequest(updateOrder);
    const before = api.recorder.records.length;
    const res = await api.request('PATCH', path, { body: { paymentStatus: 'paid' } });
    expect(res.status).toBe(422);
    expect(res.body.error.issues.map((i: { path: string }) => i.path)).toEqual(['paymentStatus']);
    await api.expectNothingPublishedSince(before);
  });

  it('when an order omits orderDate, then 202 and the event says pending, unpaid, ordered at the time of acceptance', async () => {
    const { path, body } = validRequest(createOrder);
    delete body.orderDate;
    body.deliveryDate = new Date(Date.now() + 86_400_000).toISOString();
    const sent = Date.now();
    const res = await api.request('POST', path, { body });
    expect(res.status).toBe(202);
    const record = await api.recorder.waitForEvent(res.body.eventId);
    if (!record.decoded.ok) throw new Error('undecodable record');
    const data = record.decoded.envelope.data as { status: string; paymentStatus: string; orderDate: string };
    expect({ status: data.status, paymentStatus: data.paymentStatus }).toEqual({ status: 'pending', paymentStatus: 'unpaid' });
    expect(Date.parse(data.orderDate)).toBeGreaterThanOrEqual(sent - 1_000);
    expect(Date.parse(data.orderDate)).toBeLessThanOrEqual(Date.now());
    expect(data.orderDate).toBe(record.decoded.envelope.occurredAt);
  });

  it('when the document is read, then the order bodies offer no status or paymentStatus and orderDate is optional', () => {
    const paths = openApiDocument({ maxWaitMs: 1_000 }).paths as Record<string, Record<string, { requestBody: { content: Record<string, { schema: { properties: Record<string, unknown>; required?: string[] } }> } }>>;
    const create = paths['/api/v1/orders']!.post!.requestBody.content['application/json']!.schema;
    const patch = paths['/api/v1/orders/{orderId}']!.patch!.requestBody.content['application/json']!.schema;
    expect(Object.keys(create.properties)).not.toEqual(expect.arrayContaining(['status']));
    expect(Object.keys(create.properties)).not.toContain('paymentStatus');
    expect(create.properties).toHaveProperty('orderDate');
    expect(create.required ?? []).not.toContain('orderDate');
    expect(Object.keys(patch.properties)).not.toContain('paymentStatus');
  });
});
