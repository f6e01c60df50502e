import { type Harness, allOrders, compare, drained, harness, summary } from './support/harness';
import { publish } from './support/kafka';
import { orderWorkload } from './support/workload';

describe('order persistence smoke', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness('op-smoke');
  });
  afterAll(() => h.cleanup());

  it('when a few hundred orders are published, then all are persisted correctly', async () => {
    const w = orderWorkload({ orders: Number(process.env.SMOKE_ORDERS ?? 300), tag: 'smoke' });
    const t0 = Date.now();
    await publish(h.topo.kafka, h.topo.prefix, w.events);
    const t1 = Date.now();
    await h.startApp();
    await drained(h, 300_000);
    const t2 = Date.now();
    console.log(`events ${w.events.length} publish ${t1 - t0} ms drain ${t2 - t1} ms`);
    const c = compare(await allOrders(h.conn), w.expected);
    expect(summary(c)).toMatchObject({ missing: 0, unexpected: 0, wrong: 0, doubleApplied: 0 });
  });
});
