import { AssignerProtocol, type PartitionAssigner } from 'kafkajs';

export const KEY_AFFINITY_ASSIGNER = 'MedlivesKeyAffinity';

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/**
 * Partition p of every topic holds the keys with murmur2(key) % count(topic) === p. For two topics
 * keyed alike, a key's partitions agree modulo g = gcd(counts), so "p mod g" is a key-affinity
 * class. Handing each member whole classes puts all records of a key (e.g. a tenant's order-events
 * and status-updates) on one member: a single writer per entity without database-side isolation.
 * At most g members get work; the others stay idle until one leaves.
 */
export function assignByAffinity(
  members: readonly string[],
  partitions: ReadonlyArray<{ topic: string; partitions: number }>,
): Map<string, Record<string, number[]>> {
  const sorted = [...members].sort();
  const g = partitions.reduce((acc, t) => gcd(acc, t.partitions), 0) || 1;
  const out = new Map<string, Record<string, number[]>>(sorted.map((m) => [m, {}]));
  for (const { topic, partitions: count } of partitions) {
    for (let p = 0; p < count; p++) {
      const member = sorted[(p % g) % sorted.length];
      if (member === undefined) continue;
      const assignment = out.get(member)!;
      (assignment[topic] ??= []).push(p);
    }
  }
  return out;
}

/** KafkaJS assigner for `assignByAffinity`; every member of the group must offer it. */
export const keyAffinityAssigner: PartitionAssigner = ({ cluster }) => ({
  name: KEY_AFFINITY_ASSIGNER,
  version: 0,
  async assign({ members, topics }) {
    const partitions = topics.map((topic) => ({ topic, partitions: cluster.findTopicPartitionMetadata(topic).length }));
    const plan = assignByAffinity(
      members.map((m) => m.memberId),
      partitions,
    );
    return [...plan].map(([memberId, assignment]) => ({
      memberId,
      memberAssignment: AssignerProtocol.MemberAssignment.encode({ version: 0, assignment, userData: Buffer.alloc(0) }),
    }));
  },
  protocol({ topics }) {
    return {
      name: KEY_AFFINITY_ASSIGNER,
      metadata: AssignerProtocol.MemberMetadata.encode({ version: 0, topics, userData: Buffer.alloc(0) }),
    };
  },
});
