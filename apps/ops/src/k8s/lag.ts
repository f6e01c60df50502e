import type { Admin, Kafka } from 'kafkajs';
import { computeLag } from '@medlives/consumer';
import { type ConsumerGroupSpec, resolveGroupId, resolveTopicName } from '@medlives/topology';

export interface TopicLag {
  readonly topic: string;
  /** Undefined when the offsets could not be read (see `error`). */
  readonly lag?: number;
  readonly partitions: number;
  /** Partitions the group never committed on; counted from the low watermark. */
  readonly uncommitted: number;
  readonly error?: string;
}

export interface GroupLag {
  readonly group: string;
  readonly topics: readonly TopicLag[];
}

export type LagReport =
  | { readonly reachable: true; readonly groups: readonly GroupLag[] }
  | { readonly reachable: false; readonly error: string };

export interface PartitionOffsets {
  readonly partition: number;
  readonly high: string;
  readonly low: string;
}

/**
 * Lag of one topic: log end minus the committed offset. A partition without a commit counts
 * everything still retained, because the workers' KEDA trigger and consumers reset to earliest.
 */
export function topicLag(
  topic: string,
  committed: readonly { partition: number; offset: string }[],
  ends: readonly PartitionOffsets[],
): TopicLag {
  // The same rule the workers export as medlives_kafka_consumer_lag (packages/consumer).
  const rows = computeLag(ends.map((e) => ({ topic, ...e })), committed.map((c) => ({ topic, ...c })));
  const uncommitted = ends.filter((e) => Number(committed.find((c) => c.partition === e.partition)?.offset ?? -1) < 0).length;
  return { topic, lag: rows.reduce((n, r) => n + r.lag, 0), partitions: ends.length, uncommitted };
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function readTopicLag(admin: Admin, groupId: string, topic: string): Promise<TopicLag> {
  try {
    // One topic per request: an unknown topic fails its own row, not the whole group.
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
    const ends = await admin.fetchTopicOffsets(topic);
    return topicLag(topic, committed?.partitions ?? [], ends);
  } catch (error) {
    return { topic, partitions: 0, uncommitted: 0, error: message(error) };
  }
}

/** Lag of each group on each of its topics, under the environment's topic/group prefix. */
export async function readLag(kafka: Kafka, groups: readonly ConsumerGroupSpec[], prefix = ''): Promise<LagReport> {
  const admin = kafka.admin();
  try {
    await admin.connect();
  } catch (error) {
    return { reachable: false, error: message(error) };
  }
  try {
    const result: GroupLag[] = [];
    for (const g of groups) {
      const group = resolveGroupId(g, prefix);
      const topics = await Promise.all(g.topics.map((t) => readTopicLag(admin, group, resolveTopicName(t, prefix))));
      result.push({ group, topics });
    }
    return { reachable: true, groups: result };
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
