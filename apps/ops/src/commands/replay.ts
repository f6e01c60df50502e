/**
 * `medlives replay --group <group> --from <ISO-8601|earliest> [--dry-run] [--force]`: rewinds a
 * consumer group so it re-reads its topics and rebuilds its read model (sinks are idempotent).
 * Refuses while the group has live members: their next commit would silently undo the reset.
 * Refuses to move any partition *forward* past records the group has not processed (a time
 * after its committed offset): that would skip them for good. `--force` does it, after showing
 * how many records are skipped.
 */
import type { Admin, Kafka } from 'kafkajs';
import { resolveGroupId, resolveTopicName } from '@medlives/topology';
import { UsageError, flag, onlyOptions, option, parseArgs } from '../args';
import { type CliDeps, type CliIo, findGroup, kafkaContext } from '../context';
import { renderTable } from '../k8s/table';

export const REPLAY_USAGE = 'usage: medlives replay --group <group> --from <ISO-8601 time|earliest> [--dry-run] [--force]';

interface PartitionPlan {
  topic: string;
  partition: number;
  current: number | null;
  target: number;
  end: number;
  /** Log start: where a group without a commit starts reading (it subscribes from the beginning). */
  low: number;
}

/** Records between where the group would read next and the new offset: never processed, skipped. */
export function skipped(row: Pick<PartitionPlan, 'current' | 'target' | 'low'>): number {
  return Math.max(0, row.target - (row.current ?? row.low));
}

export function parseFrom(value: string): 'earliest' | number {
  if (value === 'earliest') return 'earliest';
  // Date-only or local-time strings are ambiguous across operators' time zones: demand an instant.
  if (!/^\d{4}-\d{2}-\d{2}T[\d:.]+(Z|[+-]\d{2}:\d{2})$/.test(value) || Number.isNaN(Date.parse(value))) {
    throw new UsageError(`--from must be "earliest" or an ISO-8601 instant with a zone, e.g. 2026-11-21T08:00:00Z (got "${value}")`);
  }
  return Date.parse(value);
}

async function plan(admin: Admin, groupId: string, topics: readonly string[], from: 'earliest' | number): Promise<PartitionPlan[]> {
  const committed = await admin.fetchOffsets({ groupId, topics: [...topics] });
  const out: PartitionPlan[] = [];
  for (const topic of topics) {
    const ends = await admin.fetchTopicOffsets(topic);
    const targets = from === 'earliest' ? ends.map((e) => ({ partition: e.partition, offset: e.low })) : await admin.fetchTopicOffsetsByTimestamp(topic, from);
    for (const e of ends) {
      const done = committed.find((c) => c.topic === topic)?.partitions.find((p) => p.partition === e.partition);
      const target = Number(targets.find((t) => t.partition === e.partition)?.offset ?? e.high);
      out.push({ topic, partition: e.partition, current: done && Number(done.offset) >= 0 ? Number(done.offset) : null, target, end: Number(e.high), low: Number(e.low) });
    }
  }
  return out.sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
}

/**
 * Commits the new offsets as a member of the group: one join, one OffsetCommit for every
 * partition of every topic (KafkaJS' admin.setOffsets joins once per topic and waits a fetch).
 * Joining also closes the race with a consumer starting meanwhile: we look again once inside.
 */
async function commitAsMember(kafka: Kafka, groupId: string, topics: readonly string[], rows: readonly PartitionPlan[]): Promise<void> {
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100, allowAutoTopicCreation: false });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [...topics], fromBeginning: true });
    await consumer.run({ autoCommit: false, eachBatchAutoResolve: false, eachBatch: async () => undefined });
    consumer.pause(topics.map((topic) => ({ topic })));
    const { members } = await consumer.describeGroup();
    if (members.length > 1) throw new Error(`${members.length - 1} other member(s) joined ${groupId} meanwhile; nothing changed`);
    await consumer.commitOffsets(rows.map((r) => ({ topic: r.topic, partition: r.partition, offset: String(r.target) })));
  } finally {
    await consumer.disconnect();
  }
}

export async function replayCommand(args: string[], io: CliIo, deps: CliDeps = {}): Promise<number> {
  const parsed = parseArgs(args, ['dry-run', 'force', 'help']);
  if (flag(parsed, 'help')) {
    io.out(REPLAY_USAGE);
    return 0;
  }
  onlyOptions(parsed, ['group', 'from', 'dry-run', 'force', 'help']);
  const groupName = option(parsed, 'group');
  const fromText = option(parsed, 'from');
  if (!groupName || !fromText || parsed.positional.length) throw new UsageError('--group and --from are required');
  const from = parseFrom(fromText);
  const { kafka, prefix } = kafkaContext(deps);
  const spec = findGroup(groupName, prefix);
  const groupId = resolveGroupId(spec, prefix);
  // Everything the group consumes, its re-drive topic included.
  const topics = [...spec.topics, spec.redrive].map((t) => resolveTopicName(t, prefix));
  const progress = io.err ?? io.out;
  const admin = kafka.admin();
  await admin.connect();
  try {
    const { groups } = await admin.describeGroups([groupId]);
    const members = groups[0]?.members ?? [];
    if (members.length > 0) {
      io.out(`refusing to replay ${groupId}: ${members.length} live member(s) (${groups[0]?.state}):`);
      for (const m of members) io.out(`  ${m.clientId} ${m.clientHost} ${m.memberId}`);
      io.out(`stop them first (kubectl scale deployment/${spec.app} --replicas=0, and pause its ScaledObject), then run replay again`);
      return 1;
    }
    const rows = await plan(admin, groupId, topics, from);
    const records = rows.reduce((n, r) => n + Math.max(0, r.end - r.target), 0);
    const skips = rows.reduce((n, r) => n + skipped(r), 0);
    const table = rows.map((r) => [r.topic, String(r.partition), r.current === null ? '-' : String(r.current), String(r.target), String(Math.max(0, r.end - r.target)), String(skipped(r))]);
    for (const line of renderTable(['TOPIC', 'PARTITION', 'COMMITTED', 'NEW', 'TO RE-READ', 'SKIPPED'], table)) io.out(line);
    const skipNote = `${skips} record${skips === 1 ? '' : 's'} ${groupId} has not processed yet`;
    if (flag(parsed, 'dry-run')) {
      io.out(`dry run: ${groupId} would re-read ${records} records${skips ? ` and skip ${skipNote} (needs --force)` : ''}; nothing changed`);
      return 0;
    }
    if (skips > 0 && !flag(parsed, 'force')) {
      io.out(`refusing to replay: ${fromText} is ahead of the committed offsets and would skip ${skipNote} (not processed: lost for this read model)`);
      io.out('pick an earlier --from, or pass --force to skip them');
      return 1;
    }
    if (skips > 0) io.out(`--force: skipping ${skipNote}`);
    progress(`joining ${groupId} to commit ${rows.length} partition offsets`);
    await commitAsMember(kafka, groupId, topics, rows);
    io.out(`replay armed: ${groupId} re-reads ${records} records from ${fromText} when it starts; the read model rebuilds idempotently`);
    return 0;
  } finally {
    await admin.disconnect();
  }
}
