import mongoose from 'mongoose';
import { orderKey } from '@medlives/orders';
import { randomMongoUrl, startTcpProxy, type TcpProxy, waitFor } from '@medlives/testkit';
import { WRITE_ROUTES } from '../src/routes/write-routes';
import { IdempotencyStore, requestHash } from '../src/store/idempotency';
import { validRequest } from './bodies';
import { type ApiHarness, startApi } from './harness';

const createOrder = WRITE_ROUTES.find((r) => r.operationId === 'createOrder')!;
const HOUR_MS = 3_600_000;

async function withDb<T>(dbName: string, fn: (conn: mongoose.Connection) => Promise<T>): Promise<T> {
  const conn = await mongoose.createConnection(`${process.env.MONGO_URL}/${dbName}`).asPromise();
  try {
    return await fn(conn);
  } finally {
    await conn.close();
  }
}

describe('Idempotency-Key records', () => {
  let api: ApiHarness;
  beforeAll(async () => {
    api = await startApi({ IDEMPOTENCY_LEASE_MS: '2000' });
  });
  afterAll(() => api.close());

  it('when a request crashed between claim and complete, then a retry after the lease is re-driven instead of 409 for the whole TTL', async () => {
    const { path, body } = validRequest(createOrder);
    delete body.orderId;
    // What a replica that died after claiming leaves behind: a pending record, nothing published.
    await withDb(api.dbName, (conn) => new IdempotencyStore(conn, 24 * HOUR_MS).claim('pharma-001:createOrder', 'crashed-1', requestHash('POST', '/orders', body)));
    const statuses: number[] = [];
    const retried = await waitFor(
      'the stuck key to be re-driven',
      async () => {
        const res = await api.request('POST', path, { body, headers: { 'idempotency-key': 'crashed-1' } });
        statuses.push(res.status);
        return res.status === 202 && res;
      },
      { timeoutMs: 8_000, intervalMs: 250 },
    );
    expect(statuses.filter((s) => s !== 409 && s !== 202)).toEqual([]);
    expect(retried.body.orderId).toMatch(/^ord_/);
    await api.recorder.waitForEvent(retried.body.eventId);
    const replay = await api.request('POST', path, { body, headers: { 'idempotency-key': 'crashed-1' } });
    expect(replay.body).toEqual(retried.body);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
  });

  it('when a successful status change is replayed after the order moved on, then the stored 202 comes back, not 409', async () => {
    const orderId = `ord-replay-${Date.now().toString(36)}`;
    await withDb(api.dbName, (conn) =>
      conn.collection('orders').insertOne({ _id: orderKey('pharma-001', orderId) as never, orderId, tenantCode: 'pharma-001', created: true, status: 'pending', deleted: null, rev: 1 }),
    );
    const path = `/api/v1/orders/${orderId}/status`;
    const first = await api.request('POST', path, { body: { status: 'paid' }, headers: { 'idempotency-key': 'pay-1' } });
    expect(first.status).toBe(202);
    // order-persistence applies the change: the read model now says paid.
    await withDb(api.dbName, (conn) => conn.collection('orders').updateOne({ _id: orderKey('pharma-001', orderId) as never }, { $set: { status: 'paid', rev: 2 } }));
    const replay = await api.request('POST', path, { body: { status: 'paid' }, headers: { 'idempotency-key': 'pay-1' } });
    expect({ status: replay.status, body: replay.body }).toEqual({ status: 202, body: first.body });
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
  });
});

describe('producer API when MongoDB is unreachable', () => {
  let api: ApiHarness;
  let proxy: TcpProxy;
  let dbName: string;
  beforeAll(async () => {
    proxy = await startTcpProxy(new URL(process.env.MONGO_URL!).host);
    ({ dbName } = randomMongoUrl('api-mongo-down'));
    api = await startApi({ MONGO_URL: `mongodb://${proxy.address}/${dbName}` });
  });
  afterAll(async () => {
    await api.close();
    await proxy.close();
    await withDb(dbName, (conn) => conn.dropDatabase());
  });

  it('when writes need MongoDB while it is down, then 503 with Retry-After (not 500), and the same key works once it is back', async () => {
    const { path, body } = validRequest(createOrder);
    proxy.set({ kind: 'reset' });
    const keyed = await api.request('POST', path, { body, headers: { 'idempotency-key': 'mongo-down-1' } });
    const status = await api.request('POST', `/api/v1/orders/${String(body.orderId)}/status`, { body: { status: 'paid' } });
    expect([keyed.status, status.status]).toEqual([503, 503]);
    expect(Number(keyed.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(Number(status.headers.get('retry-after'))).toBeGreaterThan(0);
    proxy.set({ kind: 'pass' });
    const after = await waitFor(
      'MongoDB back',
      async () => {
        const res = await api.request('POST', path, { body, headers: { 'idempotency-key': 'mongo-down-1' } });
        return res.status === 202 && res;
      },
      { timeoutMs: 30_000, intervalMs: 500 },
    );
    expect(after.body.orderId).toBe(body.orderId);
    expect(proxy.connections).toBeGreaterThan(0);
  });
});
