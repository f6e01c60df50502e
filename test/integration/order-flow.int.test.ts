import { createApp as createPersistence } from '../../apps/order-persistence/src/app';
import { OrderPersistenceEnv } from '../../apps/order-persistence/src/config';
import { parseConfig } from '@medlives/runtime';
import { WRITE_ROUTES } from '../../apps/producer-api/src/routes/write-routes';
import { validRequest } from '../../apps/producer-api/test/bodies';
import { type ApiHarness, startApi } from '../../apps/producer-api/test/harness';

const createOrder = WRITE_ROUTES.find((r) => r.operationId === 'createOrder')!;

/** End to end: API → Kafka → order-persistence → MongoDB → API read with read-your-writes. */
describe('an order through the whole platform', () => {
  let api: ApiHarness;
  let worker: ReturnType<typeof createPersistence>;
  beforeAll(async () => {
    api = await startApi();
    const config = parseConfig(OrderPersistenceEnv, {
      KAFKA_BROKERS: process.env.KAFKA_BROKERS,
      MONGO_URL: `${process.env.MONGO_URL}/${api.dbName}`,
      TOPIC_PREFIX: api.topology.prefix,
      PORT: '0',
      LOG_LEVEL: 'silent',
      BATCH_MAX_WAIT_MS: '200',
    });
    worker = createPersistence(config);
    await worker.start();
  });
  afterAll(async () => {
    await worker.stop();
    await api.close();
  });

  it('when an order is created and moved through its statuses, then waitFor=persisted returns each state and an illegal move is 409', async () => {
    const { path, body, entityId } = validRequest(createOrder);
    const created = await api.request('POST', path, { body });
    expect(created.status).toBe(202);
    const first = await api.request('GET', `/api/v1/orders/${entityId}?waitFor=persisted&timeoutMs=20000&eventId=${created.body.eventId}`);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ orderId: entityId, tenantCode: 'pharma-001', status: 'pending', totalPrice: body.totalPrice });

    let last = created.body.eventId as string;
    for (const status of ['paid', 'processing', 'shipped']) {
      const moved = await api.request('POST', `/api/v1/orders/${entityId}/status`, { body: { status } });
      expect(moved.status).toBe(202);
      last = moved.body.eventId;
      const seen = await api.request('GET', `/api/v1/orders/${entityId}?waitFor=persisted&timeoutMs=20000&eventId=${last}`);
      expect(seen.body.status).toBe(status);
    }
    const final = await api.request('GET', `/api/v1/orders/${entityId}`);
    expect(final.body.timeline.map((t: { to: string }) => t.to)).toEqual(expect.arrayContaining(['paid', 'processing', 'shipped']));

    const illegal = await api.request('POST', `/api/v1/orders/${entityId}/status`, { body: { status: 'paid' } });
    expect(illegal.status).toBe(409);
    expect(illegal.body.error).toMatchObject({ code: 'ILLEGAL_TRANSITION', currentStatus: 'shipped' });

    const listed = await api.request('GET', '/api/v1/orders?status=shipped');
    expect(listed.body.items.map((o: { orderId: string }) => o.orderId)).toContain(entityId);
  });
});
