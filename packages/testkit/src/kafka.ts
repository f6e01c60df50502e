import type { Admin, Kafka, Message } from 'kafkajs';
import { type Envelope, encodeEvent } from '@medlives/events';
import { type ConsumerGroupSpec, resolveGroupId, resolveTopicName } from '@medlives/topology';

export function groupTopics(group: ConsumerGroupSpec, prefix: string): string[] {
  return group.topics.map((t) => resolveTopicName(t, prefix));
}

/** Publishes envelopes the way the producer API does (idempotent, acks=all), in large batches. */
/**
 * Produces events in order, `chunk` at a time and at most `maxBytes` of keys and values per
 * request (sent uncompressed, so one partition's share of a big chunk must stay under the
 * broker's 1 MB message limit: 5,000 delivery positions of one courier did not).
 */
export async function publish(kafka: Kafka, prefix: string, events: readonly Envelope[], chunk = 2_000, maxBytes = 512 * 1024): Promise<void> {
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  await producer.connect();
  try {
    let byTopic = new Map<string, Message[]>();
    let count = 0;
    let bytes = 0;
    const flush = async () => {
      if (count === 0) return;
      await producer.sendBatch({ acks: -1, topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })) });
      byTopic = new Map();
      count = 0;
      bytes = 0;
    };
    for (const e of events) {
      const { topic, message } = encodeEvent(e, { prefix });
      const size = String(message.key ?? '').length + (message.value?.length ?? 0);
      if (count >= chunk || (count > 0 && bytes + size > maxBytes)) await flush();
      const list = byTopic.get(topic) ?? [];
      list.push(message);
      byTopic.set(topic, list);
      count++;
      bytes += size;
    }
    await flush();
  } finally {
    await producer.disconnect();
  }
}

export async function publishRaw(kafka: Kafka, topic: string, messages: Message[]): Promise<void> {
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  await producer.connect();
  await producer.send({ topic, acks: -1, messages });
  await producer.disconnect();
}

/** Records not yet committed by the group, over all of its topics. */
export async function groupLag(admin: Admin, group: ConsumerGroupSpec, prefix: string): Promise<number> {
  const groupId = resolveGroupId(group, prefix);
  const topics = groupTopics(group, prefix);
  const committed = await admin.fetchOffsets({ groupId, topics });
  let lag = 0;
  for (const topic of topics) {
    const ends = await admin.fetchTopicOffsets(topic);
    const done = committed.find((c) => c.topic === topic)?.partitions ?? [];
    for (const p of ends) {
      const c = Number(done.find((d) => d.partition === p.partition)?.offset ?? -1);
      lag += Number(p.high) - (c < 0 ? Number(p.low) : c);
    }
  }
  return lag;
}

/** Sum of committed offsets over the group's partitions (moves only when something commits). */
export async function committedTotal(admin: Admin, group: ConsumerGroupSpec, prefix: string): Promise<number> {
  const committed = await admin.fetchOffsets({ groupId: resolveGroupId(group, prefix), topics: groupTopics(group, prefix) });
  return committed.flatMap((t) => t.partitions).reduce((n, p) => n + Math.max(0, Number(p.offset)), 0);
}

export async function topicSize(admin: Admin, topic: string): Promise<number> {
  const ends = await admin.fetchTopicOffsets(topic);
  return ends.reduce((n, p) => n + Number(p.high) - Number(p.low), 0);
}
