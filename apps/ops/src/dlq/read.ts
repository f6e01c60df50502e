import { randomBytes } from 'node:crypto';
import type { Kafka, KafkaMessage } from 'kafkajs';

export interface ReadRecord {
  readonly partition: number;
  readonly message: KafkaMessage;
}

/**
 * Reads a topic from the start to its current end. KafkaJS can only consume through a group,
 * so this uses a throwaway group that never commits and is deleted afterwards.
 */
export async function readWholeTopic(kafka: Kafka, topic: string, onProgress?: (read: number, total: number) => void): Promise<ReadRecord[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const ends = await admin.fetchTopicOffsets(topic);
    const remaining = new Map(ends.filter((e) => Number(e.high) > Number(e.low)).map((e) => [e.partition, BigInt(e.high) - 1n]));
    const total = ends.reduce((n, e) => n + Number(e.high) - Number(e.low), 0);
    if (remaining.size === 0) return [];
    const groupId = `medlives-ops-reader-${randomBytes(6).toString('hex')}`;
    const consumer = kafka.consumer({ groupId, allowAutoTopicCreation: false, maxWaitTimeInMs: 500 });
    const records: ReadRecord[] = [];
    try {
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await new Promise<void>((resolve, reject) => {
        consumer.on(consumer.events.CRASH, ({ payload }) => reject(payload.error));
        void consumer.run({
          autoCommit: false,
          eachBatch: async ({ batch }) => {
            const last = remaining.get(batch.partition);
            for (const message of batch.messages) {
              if (last !== undefined && BigInt(message.offset) <= last) records.push({ partition: batch.partition, message });
            }
            if (last !== undefined && BigInt(batch.lastOffset()) >= last) remaining.delete(batch.partition);
            onProgress?.(records.length, total);
            if (remaining.size === 0) resolve();
          },
        });
      });
    } finally {
      await consumer.disconnect();
      await admin.deleteGroups([groupId]).catch(() => undefined);
    }
    return records;
  } finally {
    await admin.disconnect();
  }
}
