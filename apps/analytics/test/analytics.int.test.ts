import mongoose from 'mongoose';
import { FACTS_COLLECTION, analyticsMongoUrl } from '@medlives/analytics';
import type { ConsumerApp } from '@medlives/consumer';
import { CONSUMER_GROUPS, resolveGroupId, resolveTopicName } from '@medlives/topology';
import { type PlannedOrder, expectedFigures, expectedTopMedications, groupTopics, planOrders, postOrders, publishRaw, topicSize, waitFor } from '@medlives/testkit';
import { type Stack, TENANT_A, TENANT_B, startStack } from './support/stack';

const GROUP = CONSUMER_GROUPS.analytics;
const DAY = '2026-11-20';
const PREV = '2026-11-19';

async function counter(app: ConsumerApp, name: string): Promise<number> {
  return (await app.registry.getSingleMetric(name)?.get())?.values.reduce((n, v) => n + v.value, 0) ?? 0;
}

function expectedSummary(orders: PlannedOrder[], tenant: string) {
  const days = [PREV, DAY]
    .map((day) => ({ day, ...expectedFigures(orders.filter((o) => o.orderDate.startsWith(day))) }))
    .filter((d) => d.orders > 0);
  return { tenant, from: PREV, to: DAY, zone: 'utc', totals: expectedFigures(orders), days, topMedications: expectedTopMedications(orders) };
}

describe('analytics-service end to end (API → Kafka → analytics database → summary)', () => {
  let s: Stack;
  let app: ConsumerApp;
  const a = [...planOrders({ count: Number(process.env.ANALYTICS_TEST_ORDERS ?? 2_000), day: DAY, seed: 9 }), ...planOrders({ count: 150, day: PREV, seed: 19 })];
  const b = planOrders({ count: 200, day: DAY, seed: 29 });
  const range = `from=${PREV}&to=${DAY}`;

  beforeAll(async () => {
    s = await startStack('analytics');
    app = await s.h.startApp();
    await Promise.all([postOrders(s.base, s.keys.a, a), postOrders(s.base, s.keys.b, b, 4)]);
    await s.drained();
  }, 1_200_000);
  afterAll(() => s?.cleanup());

  it('when a day of orders with status changes, edits, cancellations and deletions is posted, then every figure equals a direct computation from those orders', async () => {
    expect(a.filter((o) => o.path.includes('cancelled')).length).toBeGreaterThan(a.length / 10);
    expect(a.filter((o) => o.updatedItems).length).toBeGreaterThan(0);
    const res = await s.summary(`${range}&top=10`, s.keys.a);
    expect(res.status).toBe(200);
    expect(res.body).toEqual(expectedSummary(a, TENANT_A));
    // Bulk: far fewer write commands than events (MongoDB: one per batch; FerretDB: one per 40
    // changed facts). How far depends on how full the batches are when events trickle in through
    // the API (measured 18–308 per 1,000 here); a writer per event would issue ≥ 1,000. The bench
    // measures the figure on a preloaded backlog.
    const events = await counter(app, 'medlives_analytics_events_total');
    const writes = await counter(app, 'medlives_analytics_write_commands_total');
    expect(events).toBeGreaterThan(a.length * 2);
    expect((writes * 1000) / events).toBeLessThan(500);
  }, 300_000);

  it('when another tenant asks, then it gets only its own figures; it may not name another tenant; an admin sees one tenant or all', async () => {
    expect((await s.summary(range, s.keys.b)).body).toEqual(expectedSummary(b, TENANT_B));
    const refused = await s.summary(`${range}&tenant=${TENANT_A}`, s.keys.b);
    expect(refused.status).toBe(403);
    expect((await s.summary(`${range}&tenant=${TENANT_A}`, s.keys.admin)).body).toEqual(expectedSummary(a, TENANT_A));
    const all = await s.summary(range, s.keys.admin);
    expect(all.body).toEqual(expectedSummary([...a, ...b], '*'));
  }, 300_000);

  it('when the group is replayed from earliest, then no fact is rewritten and every figure is unchanged', async () => {
    const before = (await s.summary(range, s.keys.admin)).body;
    await app.stop('replay');
    const groupId = resolveGroupId(GROUP, s.h.topo.prefix);
    await waitFor('the group to be empty', async () => (await s.h.topo.admin.describeGroups([groupId])).groups[0]?.members.length === 0);
    for (const topic of groupTopics(GROUP, s.h.topo.prefix)) await s.h.topo.admin.resetOffsets({ groupId, topic, earliest: true });
    app = await s.h.startApp();
    await s.drained();
    expect(await counter(app, 'medlives_analytics_events_total')).toBeGreaterThan(a.length * 2);
    expect(await counter(app, 'medlives_analytics_facts_written_total')).toBe(0);
    expect((await s.summary(range, s.keys.admin)).body).toEqual(before);
  }, 900_000);

  it('when a malformed record arrives, then it goes to the group DLQ and the figures go on', async () => {
    const dlq = resolveTopicName(GROUP.dlq, s.h.topo.prefix);
    const before = await topicSize(s.h.topo.admin, dlq);
    await publishRaw(s.h.topo.kafka, resolveTopicName(GROUP.topics[0]!, s.h.topo.prefix), [{ key: TENANT_A, value: '{"eventType":"order.created", not json' }]);
    const extra = planOrders({ count: 5, day: DAY, seed: 99 });
    await postOrders(s.base, s.keys.a, extra, 2);
    await waitFor('the dead letter', async () => (await topicSize(s.h.topo.admin, dlq)) === before + 1, { timeoutMs: 60_000 });
    await s.drained();
    expect((await s.summary(range, s.keys.a)).body).toEqual(expectedSummary([...a, ...extra], TENANT_A));
    // The analytics database is its own: the orders database holds no facts.
    const orders = await mongoose.createConnection(s.h.mongoUrl).asPromise();
    const facts = await mongoose.createConnection(analyticsMongoUrl({ MONGO_URL: s.h.mongoUrl })).asPromise();
    expect(await orders.db!.collection(FACTS_COLLECTION).countDocuments()).toBe(0);
    expect(await facts.db!.collection(FACTS_COLLECTION).countDocuments()).toBeGreaterThan(a.length);
    await orders.close();
    await facts.close();
  }, 600_000);
});
