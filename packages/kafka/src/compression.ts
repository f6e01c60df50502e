import { CompressionTypes } from 'kafkajs';
import { type Compression, TOPICS, type TopicSpec, resolveTopicName } from '@medlives/topology';

/**
 * gzip is KafkaJS's own codec. lz4 topics go out uncompressed and the broker compresses them
 * (their `compression.type` is lz4): the broker refuses batches compressed by the pure-JS lz4js
 * frame encoder ("unexpected error" on produce, seen against Kafka 4.2), which the consumers only
 * use to decompress what the broker wrote.
 */
const CODECS: Readonly<Record<Compression, CompressionTypes>> = {
  gzip: CompressionTypes.GZIP,
  lz4: CompressionTypes.None,
};

/**
 * The producer-side codec of each topic: the topology's `compression` (also the broker's
 * `compression.type`), so the broker stores batches as they arrive instead of recompressing them.
 * Topics outside the table (none today) go uncompressed, and so do lz4 topics (see CODECS).
 */
export function topicCompression(prefix = '', specs: readonly TopicSpec[] = Object.values(TOPICS)): (topic: string) => CompressionTypes {
  const byName = new Map(specs.map((spec) => [resolveTopicName(spec, prefix), CODECS[spec.compression]]));
  return (topic) => byName.get(topic) ?? CompressionTypes.None;
}

/**
 * Splits one batch's messages by codec: KafkaJS compresses a whole `sendBatch` with one codec.
 * Each key stays on one topic, so per-key order is unaffected by sending the groups side by side.
 */
export function groupByCompression<M>(
  byTopic: ReadonlyMap<string, M[]>,
  codecOf: (topic: string) => CompressionTypes,
): Array<{ compression: CompressionTypes; topicMessages: Array<{ topic: string; messages: M[] }> }> {
  const groups = new Map<CompressionTypes, Array<{ topic: string; messages: M[] }>>();
  for (const [topic, messages] of byTopic) {
    const codec = codecOf(topic);
    const list = groups.get(codec) ?? [];
    list.push({ topic, messages });
    groups.set(codec, list);
  }
  return [...groups].map(([compression, topicMessages]) => ({ compression, topicMessages }));
}
