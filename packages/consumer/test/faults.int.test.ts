/**
 * The runtime's fault rules against the real broker (issue 12 holes 2 and 6): an outage the sink
 * reports as a permanent error for every record is still an outage, and a dead letter that can
 * never be written escalates instead of looping.
 */
import pino from 'pino';
import { Registry } from 'prom-client';
import { type ConsumerRuntime, createConsumerRuntime, decodeEnvelope } from '@medlives/consumer';
import type { Envelope } from '@medlives/events';
import { CONSUMER_GROUPS, resolveTopicName } from '@medlives/topology';
import { type IsolatedTopology, committedTotal, isolatedTopology, orderWorkload, publish, publishRaw, topicSize, waitFor } from '@medlives/testkit';

const group = CONSUMER_GROUPS.orderPersistence;

async function metric(registry: Registry, name: string): Promise<number> {
  const m = await registry.getSingleMetric(name)?.get();
  return (m?.values ?? []).reduce((n, v) => n + v.value, 0);
}

describe('consumer runtime under sink and broker faults', () => {
  let topo: IsolatedTopology;
  let runtime: ConsumerRuntime | undefined;
  beforeAll(async () => {
    topo = await isolatedTopology('rt-faults');
  });
  afterEach(async () => {
    await runtime?.stop();
    runtime = undefined;
  });
  afterAll(() => topo.cleanup());

  it('when the sink fails every write with code 18 (auth), then it is an outage: paused, no commit, no DLQ; healed, everything lands once', async () => {
    const { events } = orderWorkload({ orders: 30, tag: 'auth' });
    const written = new Map<string, number>();
    let down = true;
    const registry = new Registry();
    runtime = createConsumerRuntime<Envelope>({
      kafka: topo.kafka,
      group,
      prefix: topo.prefix,
      registry,
      logger: pino({ level: 'silent' }),
      decode: decodeEnvelope,
      batch: { maxEvents: 50, maxWaitMs: 200 },
      backoff: { initialMs: 100, maxMs: 500 },
      sink: {
        async write(batch) {
          // What the driver throws when the database user's credentials were rotated away.
          if (down) throw Object.assign(new Error('Authentication failed.'), { name: 'MongoServerError', code: 18 });
          for (const e of batch) written.set(e.value.eventId, (written.get(e.value.eventId) ?? 0) + 1);
        },
      },
    });
    await publish(topo.kafka, topo.prefix, events);
    await runtime.start();
    const dlq = resolveTopicName(group.dlq, topo.prefix);
    await waitFor('several retries of the outage', async () => {
      expect(await committedTotal(topo.admin, group, topo.prefix)).toBe(0);
      expect(await topicSize(topo.admin, dlq)).toBe(0);
      return (await metric(registry, 'medlives_consumer_retries_total')) >= 3;
    }, { timeoutMs: 30_000, intervalMs: 200 });
    expect(await metric(registry, 'medlives_consumer_dlq_total')).toBe(0);

    down = false;
    await waitFor('every event written after the outage', () => written.size === events.length, { timeoutMs: 30_000 });
    await waitFor('everything committed', async () => (await committedTotal(topo.admin, group, topo.prefix)) === events.length, { timeoutMs: 30_000 });
    expect(await topicSize(topo.admin, dlq)).toBe(0);
  });

  it('when a dead letter can never be written (MESSAGE_TOO_LARGE), then the runtime escalates: fatal metric, liveness and readiness fail, the app is told to exit', async () => {
    const dlq = resolveTopicName(group.dlq, topo.prefix);
    await topo.admin.alterConfigs({ validateOnly: false, resources: [{ type: 2 /* TOPIC */, name: dlq, configEntries: [{ name: 'max.message.bytes', value: '1024' }] }] });
    const registry = new Registry();
    const onFatal = jest.fn();
    runtime = createConsumerRuntime<Envelope>({
      kafka: topo.kafka,
      group,
      prefix: `${topo.prefix}`,
      registry,
      logger: pino({ level: 'silent' }),
      decode: decodeEnvelope,
      batch: { maxEvents: 50, maxWaitMs: 200 },
      backoff: { initialMs: 100, maxMs: 500 },
      sink: { write: async () => undefined },
      onFatal,
    });
    // Poison bigger than the DLQ accepts: dead-lettering it fails the same way every time.
    await publishRaw(topo.kafka, resolveTopicName(group.topics[1]!, topo.prefix), [{ key: 'pharma-x', value: Buffer.alloc(8_000, 0xff) }]);
    const committedBefore = await committedTotal(topo.admin, group, topo.prefix);
    await runtime.start();
    await waitFor('the runtime to escalate', () => onFatal.mock.calls.length > 0, { timeoutMs: 30_000 });
    expect(onFatal.mock.calls[0]![0]).toMatchObject({ type: 'MESSAGE_TOO_LARGE' });
    expect(runtime.health()).toMatchObject({ ok: false });
    expect(await runtime.ready()).toMatchObject({ ok: false });
    expect(await metric(registry, 'medlives_consumer_fatal_errors_total')).toBe(1);
    expect(await metric(registry, 'medlives_consumer_retries_total')).toBe(0);
    expect(await committedTotal(topo.admin, group, topo.prefix)).toBe(committedBefore);
  });
});
