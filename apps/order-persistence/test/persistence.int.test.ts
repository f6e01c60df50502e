/**
 * Issue 4 acceptance: 10,000 orders with status changes land with the right final status and
 * timeline; replaying both topics from the earliest offset leaves every document unchanged.
 */
import type { OrderDoc } from '@medlives/orders';
import { databaseUrl, type FerretInstance, groupLag, orderWorkload, publish, requireEnv, startFerret, waitFor, type Workload } from '@medlives/testkit';
import { runCli } from '../../ops/src/cli';
import type { App } from '../src/app';
import { GROUP, type Harness, allOrders, compare, drained, harness, summary } from './support/harness';

const ORDERS = 10_000;

async function metric(app: App, name: string): Promise<number> {
  const m = await app.registry.getSingleMetric(name)?.get();
  return (m?.values ?? []).reduce((n, v) => n + v.value, 0);
}

const snapshot = (docs: OrderDoc[]) => docs.sort((a, b) => (a._id < b._id ? -1 : 1)).map((d) => JSON.stringify(d));

describe('order persistence at 10,000 orders', () => {
  let ferret: FerretInstance;
  let h: Harness;
  let app: App;
  let w: Workload;

  beforeAll(async () => {
    ferret = await startFerret();
    h = await harness('op-10k', { mongoUrl: databaseUrl(ferret, 'op10k') });
  }, 300_000);
  afterAll(async () => {
    await h?.cleanup();
    await ferret?.destroy();
  });

  it('when 10,000 orders with status changes are produced, then every order has the right final status and timeline', async () => {
    w = orderWorkload({ orders: ORDERS, tag: 'k' });
    await publish(h.topo.kafka, h.topo.prefix, w.events);
    app = await h.startApp();
    await drained(h, 300_000);

    const docs = await allOrders(h.conn);
    expect(docs).toHaveLength(ORDERS);
    expect(summary(compare(docs, w.expected))).toEqual({ missing: 0, unexpected: 0, wrong: 0, doubleApplied: 0, sample: [] });
    const rejected = [...w.expected.values()].reduce((n, e) => n + e.rejected.length, 0);
    expect(rejected).toBeGreaterThan(100);
    expect(await metric(app, 'medlives_orders_rejected_transitions_total')).toBe(rejected);
    expect(await metric(app, 'medlives_consumer_events_total')).toBe(w.events.length);
    // One bulk write per batch of up to 100 events (FerretDB splits a batch's replaces into
    // commands of 40): far from one write per event.
    const writes = await metric(app, 'medlives_mongo_write_operations_total');
    expect((writes / w.events.length) * 1_000).toBeLessThan(40);
  }, 360_000); // 10,000 orders through the real broker and database: minutes on a loaded 2-core machine; speed is the bench's job

  it('when the group replays both topics from earliest, then no document changes', async () => {
    const before = snapshot(await allOrders(h.conn));
    const lines: string[] = [];
    const io = { lines, out: (line: string) => void lines.push(line) };
    const deps = { kafka: h.topo.kafka, env: { KAFKA_BROKERS: requireEnv('KAFKA_BROKERS'), TOPIC_PREFIX: h.topo.prefix } };
    const replay = ['replay', '--group', 'order-persistence-service', '--from', 'earliest'];

    await expect(runCli(replay, io, deps)).resolves.toBe(1);
    expect(io.lines.join('\n')).toMatch(/refusing to replay .* 1 live member/);

    await app.stop('replay');
    const code = await runCli(replay, io, deps);
    expect({ code, out: io.lines.slice(-3) }).toMatchObject({ code: 0 });
    expect(await groupLag(h.topo.admin, GROUP, h.topo.prefix)).toBe(w.events.length);

    const again = await h.startApp();
    await waitFor('the replay to begin', async () => (await groupLag(h.topo.admin, GROUP, h.topo.prefix)) < w.events.length, { timeoutMs: 60_000 });
    await drained(h, 300_000);
    expect(snapshot(await allOrders(h.conn))).toEqual(before);
    expect(await metric(again, 'medlives_orders_duplicate_events_total')).toBe(w.events.length);
    expect(await metric(again, 'medlives_mongo_documents_written_total')).toBe(0);
  }, 360_000); // 10,000 orders through the real broker and database: minutes on a loaded 2-core machine; speed is the bench's job
});
