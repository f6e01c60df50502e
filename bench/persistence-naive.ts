/**
 * The baseline the bench compares against: the "write on every message" design the seeds start
 * from. One insertOne per event (the event stored as-is, keyed by its id), KafkaJS auto-commit.
 * Deliberately not optimised; it shows what a database round trip per event costs.
 */
import type { Kafka } from 'kafkajs';
import type { Connection } from 'mongoose';
import { resolveTopicName } from '@medlives/topology';
import { CONSUMER_GROUPS } from '@medlives/topology';

export interface NaiveRun {
  readonly groupId: string;
  /** insertOne calls issued (one per event, duplicates included). */
  writes(): number;
  stop(): Promise<void>;
}

export async function startNaiveConsumer(kafka: Kafka, conn: Connection, prefix: string): Promise<NaiveRun> {
  const groupId = `${prefix}bench-naive-persistence`;
  const events = conn.collection('naive_events');
  const consumer = kafka.consumer({ groupId, allowAutoTopicCreation: false });
  let writes = 0;
  await consumer.connect();
  await consumer.subscribe({ topics: CONSUMER_GROUPS.orderPersistence.topics.map((t) => resolveTopicName(t, prefix)), fromBeginning: true });
  await consumer.run({
    partitionsConsumedConcurrently: CONSUMER_GROUPS.orderPersistence.concurrency,
    eachMessage: async ({ message }) => {
      const envelope = JSON.parse(message.value?.toString() ?? 'null') as { eventId: string } | null;
      if (!envelope) return;
      writes++;
      await events.insertOne({ _id: envelope.eventId as never, ...envelope }).catch((error: { code?: number }) => {
        if (error.code !== 11000) throw error;
      });
    },
  });
  return { groupId, writes: () => writes, stop: () => consumer.disconnect() };
}
