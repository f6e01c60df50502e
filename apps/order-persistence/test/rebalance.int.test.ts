/**
 * Issue 4 acceptance, rebalance: a second instance joins and later leaves while events flow.
 * Each rebalance flushes (or abandons uncommitted) the open batch; nothing is lost or doubled.
 */
import { databaseUrl, type ExpectedOrder, type FerretInstance, orderWorkload, publish, startFerret, waitFor } from '@medlives/testkit';
import type { App } from '../src/app';
import { GROUP, type Harness, allOrders, compare, drained, harness, summary } from './support/harness';

/**
 * On FerretDB the group runs with key affinity: members get whole classes "partition mod g",
 * g = gcd of the group's partition counts: order-events (6), status-updates (6) and
 * inventory-events (3) give 3 classes, so a second member joins and takes a share.
 */
const AFFINITY_CLASSES = GROUP.topics.reduce((g, t) => gcd(g, t.partitions), 0);
function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

const WAVES = 8;
const PER_WAVE = 500;

async function processed(app: App): Promise<number> {
  const m = await app.registry.getSingleMetric('medlives_consumer_events_total')?.get();
  return (m?.values ?? []).reduce((n, v) => n + v.value, 0);
}

describe('order persistence across rebalances', () => {
  let ferret: FerretInstance;
  let h: Harness;

  beforeAll(async () => {
    ferret = await startFerret();
    h = await harness('op-rebalance', { mongoUrl: databaseUrl(ferret, 'oprebalance') });
  }, 300_000);
  afterAll(async () => {
    await h?.cleanup();
    await ferret?.destroy();
  });

  it('when a second instance joins and then leaves during a run, then no order is lost or duplicated', async () => {
    const expected = new Map<string, ExpectedOrder>();
    const a = await h.startApp();
    let b: App | undefined;
    for (let wave = 0; wave < WAVES; wave++) {
      const w = orderWorkload({ orders: PER_WAVE, tag: 'rb', firstOrder: wave * PER_WAVE, seed: wave + 1 });
      for (const [k, v] of w.expected) expected.set(k, v);
      await publish(h.topo.kafka, h.topo.prefix, w.events);
      // Joins while the group has lag: start() resolves once B is a member with partitions.
      if (wave === 1) b = await h.startApp();
      if (wave === 4) {
        if (AFFINITY_CLASSES > 1) await waitFor('the second instance to process its share', async () => (await processed(b!)) > 0, { timeoutMs: 60_000 });
        else expect(b!.consumer?.health()).toMatchObject({ ok: true });
        await b!.stop('leaving the group');
      }
    }
    await drained(h, 180_000);
    const docs = await allOrders(h.conn);
    expect(docs).toHaveLength(WAVES * PER_WAVE);
    expect(summary(compare(docs, expected))).toEqual({ missing: 0, unexpected: 0, wrong: 0, doubleApplied: 0, sample: [] });
    expect(await processed(a)).toBeGreaterThan(0);
  });
});
