/**
 * Issue 8 acceptance: a malformed record on each topic the group consumes goes to the group's
 * DLQ with the error in headers, and the pipeline continues (the valid event after it notifies).
 */
import type { KafkaMessage } from 'kafkajs';
import { DLQ_HEADERS } from '@medlives/consumer';
import { resolveTopicName } from '@medlives/topology';
import { publishRaw, waitFor } from '@medlives/testkit';
import { readWholeTopic } from '../../ops/src/dlq/read';
import { GROUP, type Harness, harness } from './support/harness';
import { orderCreated, phone } from './support/events';

const header = (m: KafkaMessage, name: string) => m.headers?.[name]?.toString();

describe('poison messages', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness('nt-poison');
    await h.startApp();
  });
  afterAll(() => h?.cleanup());

  it('when each consumed topic gets a malformed record, then each lands in the DLQ and later events are still notified', async () => {
    const topics = GROUP.topics.map((t) => resolveTopicName(t, h.topo.prefix));
    const garbage = [Buffer.from([0xff, 0xfe, 0x00]), '{"hello":"world"}', '{not json', Buffer.from([0x13, 0x37]), '{"eventType":"stock.low","data":{}}'];
    for (const [i, topic] of topics.entries()) await publishRaw(h.topo.kafka, topic, [{ key: 'pharma-001', value: garbage[i]! }]);
    const after = orderCreated('ord-after-poison', { phone: phone(5, 1) });
    await h.publish(after);

    await waitFor('the order after the poison', () => h.webhook.to(phone(5, 1)).length === 1, { timeoutMs: 30_000 });
    const dlq = resolveTopicName(GROUP.dlq, h.topo.prefix);
    const dead = await waitFor('five dead letters', async () => {
      const all = await readWholeTopic(h.topo.kafka, dlq);
      return all.length >= topics.length ? all : undefined;
    }, { timeoutMs: 30_000 });
    expect(dead.map((d) => header(d.message, DLQ_HEADERS.originalTopic)).sort()).toEqual([...topics].sort());
    for (const d of dead) {
      expect(['MALFORMED_JSON', 'SCHEMA_INVALID', 'UNKNOWN_EVENT_TYPE', 'EMPTY_VALUE']).toContain(header(d.message, DLQ_HEADERS.errorCode));
      expect(header(d.message, DLQ_HEADERS.consumerGroup)).toBe(`${h.topo.prefix}${GROUP.id}`);
    }
    expect(await h.deliveries({ orderId: 'ord-after-poison', status: 'sent' })).toHaveLength(2);
  });
});
