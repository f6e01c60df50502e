import { waitFor } from '@medlives/testkit';
import { type ApiHarness, OTHER_KEY, startApi } from './harness';

describe('products: synchronous, atomic stock', () => {
  let api: ApiHarness;
  beforeAll(async () => {
    api = await startApi();
  });
  afterAll(() => api.close());

  it('when a product is created and read, then the stock is what was given and writes are counted', async () => {
    const before = await api.metric('medlives_mongo_write_operations_total', { collection: 'products' });
    const created = await api.request('POST', '/api/v1/products', { body: { productId: 'amox.500', name: 'Amoxicillin 500mg', stock: 10, lowStockThreshold: 3 } });
    expect(created.status).toBe(201);
    const read = await api.request('GET', '/api/v1/products/amox.500');
    expect(read.body).toEqual({ productId: 'amox.500', tenantCode: 'pharma-001', name: 'Amoxicillin 500mg', stock: 10, reserved: 0, lowStockThreshold: 3, low: false });
    expect(await api.metric('medlives_mongo_write_operations_total', { collection: 'products' })).toBe(before + 1);
    expect((await api.request('GET', '/api/v1/products/amox.500', { key: OTHER_KEY })).status).toBe(404);
    expect((await api.request('POST', '/api/v1/products', { body: { productId: 'amox.500', name: 'dup', stock: 1 } })).status).toBe(409);
  });

  it('when 30 concurrent reserves of 1 hit a stock of 10, then exactly 10 succeed and stock never goes negative', async () => {
    await api.request('POST', '/api/v1/products', { body: { productId: 'race', name: 'Race', stock: 10 } });
    const results = await Promise.all(Array.from({ length: 30 }, (_, i) => api.request('POST', '/api/v1/products/race/reserve', { body: { orderId: `o-${i}`, quantity: 1 } })));
    expect(results.filter((r) => r.status === 200)).toHaveLength(10);
    const refused = results.filter((r) => r.status === 409);
    expect(refused).toHaveLength(20);
    expect(refused[0]!.body.error).toMatchObject({ code: 'INSUFFICIENT_STOCK', stock: 0 });
    expect((await api.request('GET', '/api/v1/products/race')).body).toMatchObject({ stock: 0, reserved: 10 });
  });

  it('when a reserve and a release are repeated for one order, then each applies once', async () => {
    await api.request('POST', '/api/v1/products', { body: { productId: 'twice', name: 'Twice', stock: 5 } });
    const move = { orderId: 'ord.1', quantity: 2 };
    const r1 = await api.request('POST', '/api/v1/products/twice/reserve', { body: move });
    const r2 = await api.request('POST', '/api/v1/products/twice/reserve', { body: move });
    expect([r1.body.applied, r2.body.applied, r2.body.product.stock]).toEqual([true, false, 3]);
    const wrong = await api.request('POST', '/api/v1/products/twice/release', { body: { ...move, quantity: 1 } });
    expect(wrong.status).toBe(409);
    const l1 = await api.request('POST', '/api/v1/products/twice/release', { body: move });
    const l2 = await api.request('POST', '/api/v1/products/twice/release', { body: move });
    expect([l1.body.applied, l2.body.applied, l2.body.product.stock]).toEqual([true, false, 5]);
    const late = await api.request('POST', '/api/v1/products/twice/reserve', { body: move });
    expect(late.status).toBe(409);
    expect(late.body.error.code).toBe('RESERVATION_CLOSED');
  });

  it.each([
    ['POST', '/api/v1/products', { name: 'x', stock: -1 }, 'stock'],
    ['POST', '/api/v1/products/race/reserve', { orderId: 'o', quantity: 0 }, 'quantity'],
    ['POST', '/api/v1/products/race/release', { orderId: '', quantity: 1 }, 'orderId'],
  ])('when %s %s gets a bad %p, then 422 names %s', async (method, path, body, field) => {
    const res = await api.request(method, path, { body });
    expect(res.status).toBe(422);
    expect(res.body.error.issues.map((i: { path: string }) => i.path)).toContain(field);
  });

  it('when two tenants each create product amox, then both get 201 and each sees and moves only its own', async () => {
    const a = await api.request('POST', '/api/v1/products', { body: { productId: 'amox', name: 'Amoxicillin A', stock: 5 } });
    const b = await api.request('POST', '/api/v1/products', { key: OTHER_KEY, body: { productId: 'amox', name: 'Amoxicillin B', stock: 7 } });
    expect([a.status, b.status]).toEqual([201, 201]);
    expect((await api.request('GET', '/api/v1/products/amox')).body).toMatchObject({ tenantCode: 'pharma-001', name: 'Amoxicillin A', stock: 5 });
    const other = (await api.request('GET', '/api/v1/products/amox', { key: OTHER_KEY })).body;
    expect(other).toMatchObject({ name: 'Amoxicillin B', stock: 7 });
    expect(other.tenantCode).not.toBe('pharma-001');
    await api.request('POST', '/api/v1/products/amox/reserve', { key: OTHER_KEY, body: { orderId: 'o-b', quantity: 7 } });
    expect((await api.request('GET', '/api/v1/products/amox')).body.stock).toBe(5);
    expect((await api.request('GET', '/api/v1/products/amox', { key: OTHER_KEY })).body.stock).toBe(0);
  });

  it('when a reserve takes a product under its threshold, then stock.low is published once for the crossing', async () => {
    await api.request('POST', '/api/v1/products', { body: { productId: 'lowly', name: 'Lowly', stock: 4, lowStockThreshold: 3 } });
    for (const orderId of ['l1', 'l2', 'l3']) expect((await api.request('POST', '/api/v1/products/lowly/reserve', { body: { orderId, quantity: 1 } })).status).toBe(200);
    const lows = () => api.recorder.records.filter((r) => r.decoded.ok && r.decoded.envelope.eventType === 'stock.low' && (r.decoded.envelope.data as { productId: string }).productId === 'lowly');
    const [low] = await waitFor('stock.low on inventory-events', () => (lows().length ? lows() : undefined));
    expect(low!.topic).toBe('inventory-events');
    expect(low!.decoded.ok && low!.decoded.envelope.data).toEqual({ productId: 'lowly', remaining: 2, threshold: 3 });
    expect(lows()).toHaveLength(1);
  });

  it('when an unknown product is reserved, then 404', async () => {
    expect((await api.request('POST', '/api/v1/products/ghost/reserve', { body: { orderId: 'o', quantity: 1 } })).status).toBe(404);
  });
});
