import { startTcpProxy, type TcpProxy, waitFor } from '@medlives/testkit';
import { WRITE_ROUTES } from '../src/routes/write-routes';
import { validRequest } from './bodies';
import { type ApiHarness, startApi } from './harness';

const createOrder = WRITE_ROUTES.find((r) => r.operationId === 'createOrder')!;

/**
 * Hole 1: the API talks to Kafka through a TCP proxy (packages/testkit) that delays or blackholes
 * the traffic, so the producer sees real network faults: an acknowledgement that comes too late
 * (the outcome is unknown when the API must answer) and a broker that stops answering.
 */
describe('producer API when the network to Kafka fails', () => {
  let proxy: TcpProxy;
  let api: ApiHarness;
  const ready = async () => (await fetch(`${api.base}/readyz`)).status === 200;

  beforeAll(async () => {
    proxy = await startTcpProxy(process.env.KAFKA_BROKERS!, { kafka: true });
    api = await startApi({ KAFKA_BROKERS: proxy.address, PUBLISH_TIMEOUT_MS: '2000', KAFKA_ACK_TIMEOUT_MS: '3000' });
    await waitFor('API readiness through the proxy', ready, { timeoutMs: 30_000 });
  });
  afterEach(() => proxy.set({ kind: 'pass' }));
  afterAll(async () => {
    await api?.close();
    await proxy?.close();
  });

  it('when the acknowledgement comes after the publish bound, then 503, the record lands anyway, and the retry with the same key yields the same order', async () => {
    const { path, body } = validRequest(createOrder);
    delete body.orderId; // the server mints it: a retry must not mint another
    const warm = await api.request('POST', path, { body: validRequest(createOrder).body });
    expect(warm.status).toBe(202);
    expect(proxy.metadataRewrites).toBeGreaterThan(0);

    proxy.set({ kind: 'delay', ms: 3_000, direction: 'responses' });
    const first = await api.request('POST', path, { body, headers: { 'idempotency-key': 'late-ack-1', 'x-correlation-id': 'late-ack-1-corr' } });
    expect(first.status).toBe(503);
    expect(Number(first.headers.get('retry-after'))).toBeGreaterThan(0);
    proxy.set({ kind: 'pass' });

    // The broker did take the write: the event is on the topic although the client got 503.
    const landed = await waitFor('the late record', () => recordOf(api, 'late-ack-1-corr'));
    if (!landed.decoded.ok) throw new Error('undecodable');
    const orderId = (landed.decoded.envelope.data as { orderId: string }).orderId;

    await waitFor('readiness after the fault', ready, { timeoutMs: 30_000 });
    const retry = await waitFor('the retry to be accepted', async () => {
      const res = await api.request('POST', path, { body, headers: { 'idempotency-key': 'late-ack-1' } });
      return res.status === 202 && res;
    }, { timeoutMs: 30_000, intervalMs: 500 });
    expect(retry.body).toMatchObject({ orderId, eventId: landed.decoded.envelope.eventId });
    await api.recorder.waitForEvent(retry.body.eventId);
    const events = new Set(api.recorder.records.filter((r) => r.decoded.ok && (r.decoded.envelope.data as { orderId?: string }).orderId === orderId).map((r) => r.decoded.ok && r.decoded.envelope.eventId));
    expect([...events]).toEqual([landed.decoded.envelope.eventId]);
  });

  it('when the broker stops answering, then writes are 503, readiness fails, and both recover once it answers again', async () => {
    const { path, body } = validRequest(createOrder);
    proxy.set({ kind: 'blackhole' });
    const refused = await api.request('POST', path, { body, headers: { 'idempotency-key': 'blackhole-1' } });
    expect(refused.status).toBe(503);
    await waitFor('readiness to fail', async () => !(await ready()), { timeoutMs: 10_000 });
    proxy.set({ kind: 'pass' });
    await waitFor('readiness to recover', ready, { timeoutMs: 45_000, intervalMs: 250 });
    const retry = await waitFor('the retry to be accepted', async () => {
      const res = await api.request('POST', path, { body, headers: { 'idempotency-key': 'blackhole-1' } });
      return res.status === 202 && res;
    }, { timeoutMs: 30_000, intervalMs: 500 });
    expect(retry.body.orderId).toBe(body.orderId);
    await api.recorder.waitForEvent(retry.body.eventId);
  });
});

/** The record published for the request with this correlation id (the envelope carries it). */
function recordOf(api: ApiHarness, correlationId: string) {
  return api.recorder.records.find((r) => r.topic !== 'audit-events' && r.decoded.ok && r.decoded.envelope.correlationId === correlationId);
}
