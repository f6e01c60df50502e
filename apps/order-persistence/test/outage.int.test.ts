/**
 * Issue 4 acceptance, database outage: the MongoDB-wire server is down for more than 20 s while
 * events keep coming. The worker pauses and retries with backoff: lag grows, nothing is
 * committed, nothing is dead-lettered; once the server is back everything is persisted.
 */
import { resolveTopicName } from '@medlives/topology';
import { committedTotal, databaseUrl, type FerretInstance, orderWorkload, publish, startFerret, topicSize, waitFor } from '@medlives/testkit';
import type { App } from '../src/app';
import { GROUP, type Harness, allOrders, compare, drained, harness, summary } from './support/harness';

const OUTAGE_MS = 22_000;

async function metric(app: App, name: string, labels: Record<string, string> = {}): Promise<number> {
  const m = await app.registry.getSingleMetric(name)?.get();
  return (m?.values ?? []).filter((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x)).reduce((n, v) => n + v.value, 0);
}

async function readyz(app: App): Promise<number> {
  return (await fetch(`http://127.0.0.1:${app.port}/readyz`)).status;
}

describe('order persistence through a database outage', () => {
  let ferret: FerretInstance;
  let h: Harness;

  beforeAll(async () => {
    // A server of our own, so stopping it never disturbs other suites.
    ferret = await startFerret();
    h = await harness('op-outage', { mongoUrl: databaseUrl(ferret, 'opoutage') });
  }, 120_000);
  afterAll(async () => {
    await h?.cleanup();
    await ferret?.destroy();
  });

  it('when the database is down for over 20 s, then lag grows with no commit and no DLQ, and afterwards all events are persisted', async () => {
    const before = orderWorkload({ orders: 300, tag: 'pre' });
    const during = orderWorkload({ orders: 300, tag: 'during', firstOrder: 300 });
    const app = await h.startApp({ LAG_INTERVAL_MS: '300' });
    await publish(h.topo.kafka, h.topo.prefix, before.events);
    await drained(h);
    await waitFor('ready', async () => (await readyz(app)) === 200);
    const committed = await committedTotal(h.topo.admin, GROUP, h.topo.prefix);
    const dlq = resolveTopicName(GROUP.dlq, h.topo.prefix);

    await ferret.stop();
    const downAt = Date.now();
    await publish(h.topo.kafka, h.topo.prefix, during.events);
    await waitFor('readiness to fail', async () => (await readyz(app)) === 503, { timeoutMs: 15_000 });
    await waitFor('lag to cover everything published during the outage', async () => {
      await app.consumer!.refreshLag();
      return app.consumer!.lag().reduce((n, p) => n + p.lag, 0) >= during.events.length;
    });
    // Hold the outage, checking all along that nothing commits and nothing is dead-lettered.
    await waitFor(`${OUTAGE_MS} ms of outage`, async () => {
      expect(await committedTotal(h.topo.admin, GROUP, h.topo.prefix)).toBe(committed);
      expect(await topicSize(h.topo.admin, dlq)).toBe(0);
      return Date.now() - downAt >= OUTAGE_MS;
    }, { timeoutMs: OUTAGE_MS + 10_000, intervalMs: 1_000 });
    expect(await metric(app, 'medlives_consumer_retries_total')).toBeGreaterThan(0);
    expect(await metric(app, 'medlives_kafka_consumer_lag')).toBeGreaterThanOrEqual(during.events.length);

    await ferret.start();
    await drained(h, 60_000);
    const expected = new Map([...before.expected, ...during.expected]);
    expect(summary(compare(await allOrders(h.conn), expected))).toEqual({ missing: 0, unexpected: 0, wrong: 0, doubleApplied: 0, sample: [] });
    expect(await topicSize(h.topo.admin, dlq)).toBe(0);
    expect(await metric(app, 'medlives_consumer_dlq_total')).toBe(0);
    await waitFor('ready again', async () => (await readyz(app)) === 200);
  });
});
