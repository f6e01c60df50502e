import { CONSUMER_GROUPS, type ConsumerGroupSpec } from './groups';
import { PROFILES, type ProfileName } from './profiles';
import { TOPICS, type TopicSpec } from './topics';

/** A topic as it exists in one environment: prefixed name plus broker-level config. */
export interface ResolvedTopic {
  readonly spec: TopicSpec;
  readonly name: string;
  readonly partitions: number;
  readonly replicationFactor: number;
  /** Kafka topic configs, exactly as the broker reports them back. */
  readonly config: Readonly<Record<string, string>>;
}

export interface TopologyOptions {
  readonly profile?: ProfileName;
  /**
   * Prepended to every topic name and group id. Tests use a random prefix so runs never share
   * state; production leaves it empty.
   */
  readonly prefix?: string;
}

export function resolveTopicName(spec: TopicSpec, prefix = ''): string {
  return `${prefix}${spec.name}`;
}

export function resolveGroupId(group: ConsumerGroupSpec, prefix = ''): string {
  return `${prefix}${group.id}`;
}

export function topicConfig(spec: TopicSpec, profile: ProfileName): Record<string, string> {
  return {
    'retention.ms': String(spec.retentionMs),
    'compression.type': spec.compression,
    'cleanup.policy': spec.cleanupPolicy,
    'min.insync.replicas': String(PROFILES[profile].minInsyncReplicas),
  };
}

/** Every topic of the platform, DLQs and re-drive topics included, in a stable order. */
export function allTopicSpecs(): TopicSpec[] {
  const groups = Object.values(CONSUMER_GROUPS);
  return [...Object.values(TOPICS), ...groups.map((g) => g.dlq), ...groups.map((g) => g.redrive)];
}

export function resolveTopics(options: TopologyOptions = {}): ResolvedTopic[] {
  const profile = options.profile ?? 'dev';
  return allTopicSpecs().map((spec) => ({
    spec,
    name: resolveTopicName(spec, options.prefix),
    partitions: spec.partitions,
    replicationFactor: PROFILES[profile].replicationFactor,
    config: topicConfig(spec, profile),
  }));
}

/**
 * Invariants the rest of the platform relies on. Throws listing every violation; a unit test
 * runs it so a bad edit fails CI instead of a cluster.
 */
export function validateTopology(): void {
  const problems: string[] = [];
  const names = allTopicSpecs().map((t) => t.name);
  const dupes = names.filter((n, i) => names.indexOf(n) !== i);
  if (dupes.length) problems.push(`duplicate topic names: ${dupes.join(', ')}`);
  const eventTypes = Object.values(TOPICS).flatMap((t) => t.eventTypes);
  const dupTypes = eventTypes.filter((e, i) => eventTypes.indexOf(e) !== i);
  if (dupTypes.length) problems.push(`event types on two topics: ${dupTypes.join(', ')}`);
  for (const t of allTopicSpecs()) {
    if (!Number.isInteger(t.partitions) || t.partitions < 1) problems.push(`${t.name}: partitions must be >= 1`);
    if (!/^[a-zA-Z0-9._-]{1,200}$/.test(t.name)) problems.push(`${t.name}: not a legal Kafka topic name`);
  }
  for (const g of Object.values(CONSUMER_GROUPS)) {
    const maxPartitions = Math.max(...g.topics.map((t) => t.partitions));
    if (g.maxReplicas > maxPartitions) {
      problems.push(`${g.id}: maxReplicas ${g.maxReplicas} > ${maxPartitions} partitions (idle consumers)`);
    }
    if (g.minReplicas < 1) problems.push(`${g.id}: minReplicas < 1 would strand the group at zero`);
    if (g.minReplicas > g.maxReplicas) problems.push(`${g.id}: minReplicas > maxReplicas`);
    if (g.dlq.partitions < 1 || g.dlq.partitions > 3) problems.push(`${g.id}: DLQ must have 1-3 partitions`);
    // "One by one, immediately": a single-mode group never holds an event back waiting for more
    // (maxWaitMs 0); it may hand over what one fetch already returned (notification does).
    if (g.mode === 'single' && g.batch.maxWaitMs !== 0) problems.push(`${g.id}: single mode never waits (batch.maxWaitMs must be 0)`);
  }
  if (problems.length) throw new Error(`Invalid topology:\n- ${problems.join('\n- ')}`);
}
