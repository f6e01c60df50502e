import type { Admin, Kafka, Message } from 'kafkajs';
import { type Envelope, encodeEvent } from '@medlives/events';
import { type ConsumerGroupSpec, resolveGroupId, resolveTopicName } from '@medlives/topology';

export function groupTopics(group: ConsumerGroupSpec, prefix: string): string[] {
  return group.topics.map((t) => resolveTopicName(t, prefix));
}

/** Publishes envelopes the way the producer API does (idempotent, acks=all), in large batches. */
export async function publish(kafka: Kafka, prefix: string, events: readonly Envelope[], chunk = 2_000): Promise<void> {
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  await producer.connect();
  try {
    for (let i = 0; i < events.length; i += chunk) {
      const byTopic = new Map<string, Message[]>();
      for (const e of events.slice(i, i + chunk)) {
        const { topic, message } = encodeEvent(e, { prefix });
        byTopic.set(topic, [...(byTopic.get(topic) ?? []), message]);
      }
      await producer.sendBatch({ acks: -1, topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })) });
    }
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
