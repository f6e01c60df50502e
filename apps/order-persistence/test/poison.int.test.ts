/**
 * Issue 4 acceptance, poison: garbage bytes and schema-invalid JSON among valid events go to the
 * group's DLQ with the original record and the error in headers; every valid event is
 * persisted; an operator fixes one dead letter and re-drives it with `medlives dlq redrive`.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KafkaMessage, Message } from 'kafkajs';
import { DLQ_HEADERS } from '@medlives/consumer';
import { encodeEvent } from '@medlives/events';
import { findOrder } from '@medlives/orders';
import { resolveTopicName } from '@medlives/topology';
import { orderWorkload, publish, publishRaw, requireEnv, sampleEvent, topicSize, waitFor } from '@medlives/testkit';
import { runCli } from '../../ops/src/cli';
import { readWholeTopic } from '../../ops/src/dlq/read';
import type { App } from '../src/app';
import { GROUP, type Harness, allOrders, compare, drained, harness, summary } from './support/harness';

const header = (m: KafkaMessage, name: string) => m.headers?.[name]?.toString();

describe('poison messages', () => {
  let h: Harness;
  let app: App;
  beforeAll(async () => {
    h = await harness('op-poison');
  });
  afterAll(() => h.cleanup());

  const cli = async (...argv: string[]) => {
    const lines: string[] = [];
    const code = await runCli(argv, { out: (l) => void lines.push(l), err: () => undefined }, {
      kafka: h.topo.kafka,
      env: { KAFKA_BROKERS: requireEnv('KAFKA_BROKERS'), TOPIC_PREFIX: h.topo.prefix },
    });
    return { code, out: lines.join('\n') };
  };

  it('when garbage and schema-invalid records are mixed in, then they land in the DLQ with headers and every valid event persists', async () => {
    const w = orderWorkload({ orders: 200, tag: 'ok' });
    const orders = resolveTopicName(GROUP.topics[0]!, h.topo.prefix);
    const status = resolveTopicName(GROUP.topics[1]!, h.topo.prefix);
    const badTotal = sampleEvent('order.created', { tenantCode: 'pharma-001', orderId: 'fix-me' });
    const badTotalJson = JSON.stringify({ ...badTotal, data: { ...badTotal.data, totalPrice: 999 } });
    const good = encodeEvent(sampleEvent('order.created', { tenantCode: 'pharma-002' }), { prefix: h.topo.prefix }).message;
    const poison: Array<{ topic: string; message: Message; code: string }> = [
      { topic: orders, code: 'MALFORMED_JSON', message: { key: 'pharma-001', value: Buffer.from([0xff, 0xfe, 0x00, 0x13, 0x37]), headers: { 'event-type': 'order.created' } } },
      { topic: orders, code: 'SCHEMA_INVALID', message: { key: 'pharma-001', value: badTotalJson, headers: { 'event-type': 'order.created', 'event-id': badTotal.eventId } } },
      { topic: orders, code: 'UNKNOWN_EVENT_TYPE', message: { key: 'pharma-002', value: JSON.stringify({ ...JSON.parse(good.value), eventType: 'order.exploded' }) } },
      { topic: status, code: 'SCHEMA_INVALID', message: { key: 'pharma-003', value: JSON.stringify({ hello: 'world' }) } },
      { topic: status, code: 'EMPTY_VALUE', message: { key: 'pharma-004', value: null } },
    ];
    const half = Math.floor(w.events.length / 2);
    await publish(h.topo.kafka, h.topo.prefix, w.events.slice(0, half));
    for (const p of poison) await publishRaw(h.topo.kafka, p.topic, [p.message]);
    await publish(h.topo.kafka, h.topo.prefix, w.events.slice(half));

    app = await h.startApp();
    await drained(h);
    expect(summary(compare(await allOrders(h.conn), w.expected))).toEqual({ missing: 0, unexpected: 0, wrong: 0, doubleApplied: 0, sample: [] });

    const dead = await readWholeTopic(h.topo.kafka, resolveTopicName(GROUP.dlq, h.topo.prefix));
    expect(dead.map((d) => header(d.message, DLQ_HEADERS.errorCode)).sort()).toEqual(poison.map((p) => p.code).sort());
    for (const { message } of dead) {
      const source = poison.find((p) => header(message, DLQ_HEADERS.originalTopic) === p.topic && p.message.key === message.key?.toString() && p.code === header(message, DLQ_HEADERS.errorCode));
      expect(source).toBeDefined();
      const original = source!.message.value;
      expect(message.value === null ? null : message.value.toString('latin1')).toEqual(original === null ? null : Buffer.from(original).toString('latin1'));
      expect(header(message, DLQ_HEADERS.consumerGroup)).toBe(`${h.topo.prefix}${GROUP.id}`);
      expect(header(message, DLQ_HEADERS.errorMessage)?.length).toBeGreaterThan(0);
      expect(header(message, DLQ_HEADERS.originalPartition)).toMatch(/^\d+$/);
      expect(header(message, DLQ_HEADERS.originalOffset)).toMatch(/^\d+$/);
      expect(Date.parse(header(message, DLQ_HEADERS.failedAt) ?? '')).not.toBeNaN();
    }
    const metric = await app.registry.getSingleMetric('medlives_consumer_dlq_total')?.get();
    expect(metric?.values.reduce((n, v) => n + v.value, 0)).toBe(poison.length);
  });

  it('when an operator fixes a dead letter and re-drives it, then only this group gets it, and the order is persisted exactly once', async () => {
    const list = await cli('dlq', 'list', GROUP.id, '--json');
    expect(list.code).toBe(0);
    const entries = list.out.split('\n').map((l) => JSON.parse(l) as { id: string; code: string; payload: string; status: string });
    expect(entries.every((e) => e.status === 'pending')).toBe(true);
    const broken = entries.find((e) => e.payload.includes('fix-me'))!;
    expect(broken.code).toBe('SCHEMA_INVALID');

    const shown = await cli('dlq', 'show', GROUP.id, '--offset', broken.id);
    const envelope = JSON.parse(shown.out) as { data: { totalPrice: number } };
    envelope.data.totalPrice = 12; // the sample's items sum to 12
    const file = join(mkdtempSync(join(tmpdir(), 'dlq-fix-')), 'fixed.json');
    writeFileSync(file, JSON.stringify(envelope));

    const orders = resolveTopicName(GROUP.topics[0]!, h.topo.prefix);
    const redriveTopic = resolveTopicName(GROUP.redrive, h.topo.prefix);
    const sizeBefore = await topicSize(h.topo.admin, orders);
    const redrive = await cli('dlq', 'redrive', GROUP.id, '--offset', broken.id, '--value-file', file);
    expect(redrive).toMatchObject({ code: 0, out: expect.stringMatching(/re-drove 1 entry/) });
    const order = await waitFor('the fixed order', async () => (await findOrder(h.conn, { tenantCode: 'pharma-001' }, 'fix-me')) ?? undefined, { timeoutMs: 30_000 });
    expect(order).toMatchObject({ status: 'pending', totalPrice: 12 });

    const again = await cli('dlq', 'redrive', GROUP.id, '--offset', broken.id);
    expect(again).toMatchObject({ code: 0, out: expect.stringMatching(/skip .*redriven[\s\S]*nothing to re-drive: 0/) });
    // Only this group sees the re-drive: the shared topic every other group reads is untouched.
    expect(await topicSize(h.topo.admin, orders)).toBe(sizeBefore);
    expect(await topicSize(h.topo.admin, redriveTopic)).toBe(1);
    const after = await cli('dlq', 'list', GROUP.id);
    expect(after.out).toMatch(/5 dead letter\(s\) .*, 4 pending/);
  });
});
