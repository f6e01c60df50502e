import type { Admin } from 'kafkajs';

/** Records of `topics` the group has not committed yet (a partition without a commit counts from its start). */
export async function lagOf(admin: Admin, groupId: string, topics: string[]): Promise<number> {
  const committed = await admin.fetchOffsets({ groupId, topics });
  let lag = 0;
  for (const topic of topics) {
    for (const p of await admin.fetchTopicOffsets(topic)) {
      const c = Number(committed.find((t) => t.topic === topic)?.partitions.find((x) => x.partition === p.partition)?.offset ?? -1);
      lag += Number(p.high) - (c < 0 ? Number(p.low) : c);
    }
  }
  return lag;
}
