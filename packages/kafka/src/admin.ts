import { type Admin, ConfigResourceTypes } from 'kafkajs';
import type { ResolvedTopic } from '@medlives/topology';

export interface EnsureTopicsResult {
  created: string[];
  updated: string[];
  unchanged: string[];
}

/**
 * Makes the broker match the topology: creates missing topics with their exact config, adds
 * partitions and corrects configs on existing ones. Idempotent; never relies on auto-create.
 * Partitions are never reduced (Kafka cannot), so that case is reported as an error.
 */
export async function ensureTopics(admin: Admin, topics: readonly ResolvedTopic[]): Promise<EnsureTopicsResult> {
  const result: EnsureTopicsResult = { created: [], updated: [], unchanged: [] };
  const existing = new Set(await admin.listTopics());
  const missing = topics.filter((t) => !existing.has(t.name));
  if (missing.length) {
    await admin.createTopics({
      // KafkaJS' own leader wait fails on KRaft's UNKNOWN_TOPIC_OR_PARTITION while metadata
      // propagates; waitForTopics below retries on it instead.
      waitForLeaders: false,
      topics: missing.map((t) => ({
        topic: t.name,
        numPartitions: t.partitions,
        replicationFactor: t.replicationFactor,
        configEntries: Object.entries(t.config).map(([name, value]) => ({ name, value })),
      })),
    });
    result.created.push(...missing.map((t) => t.name));
    await waitForTopics(admin, missing.map((t) => t.name));
  }
  const present = topics.filter((t) => existing.has(t.name));
  if (!present.length) return result;

  const metadata = await admin.fetchTopicMetadata({ topics: present.map((t) => t.name) });
  const actualConfigs = await describeTopicConfigs(admin, present.map((t) => t.name));
  for (const topic of present) {
    const partitions = metadata.topics.find((m) => m.name === topic.name)?.partitions.length ?? 0;
    if (partitions > topic.partitions) {
      throw new Error(`${topic.name} has ${partitions} partitions, topology wants ${topic.partitions}; Kafka cannot shrink a topic`);
    }
    let changed = false;
    if (partitions < topic.partitions) {
      await admin.createPartitions({ topicPartitions: [{ topic: topic.name, count: topic.partitions }] });
      changed = true;
    }
    if (drift(topic, actualConfigs[topic.name])) {
      await alterUntilApplied(admin, topic);
      changed = true;
    }
    (changed ? result.updated : result.unchanged).push(topic.name);
  }
  return result;
}

function drift(topic: ResolvedTopic, actual: Record<string, string> | undefined): boolean {
  return Object.entries(topic.config).some(([k, v]) => actual?.[k] !== v);
}

/**
 * alterConfigs replaces the topic's whole dynamic config, which is what we want: topology wins.
 * Right after a create, KRaft has been seen to acknowledge it without applying it, so we read
 * the config back and try again rather than trust the acknowledgement.
 */
async function alterUntilApplied(admin: Admin, topic: ResolvedTopic, attempts = 10): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    await admin.alterConfigs({
      validateOnly: false,
      resources: [
        {
          type: ConfigResourceTypes.TOPIC,
          name: topic.name,
          configEntries: Object.entries(topic.config).map(([name, value]) => ({ name, value })),
        },
      ],
    });
    const actual = await describeTopicConfigs(admin, [topic.name]);
    if (!drift(topic, actual[topic.name])) return;
    if (attempt >= attempts) throw new Error(`${topic.name}: config did not apply after ${attempts} attempts`);
    await sleep(200 * attempt);
  }
}

/** Waits until every partition of the topics has a leader in the broker's metadata. */
export async function waitForTopics(admin: Admin, names: readonly string[], timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const { topics } = await admin.fetchTopicMetadata({ topics: [...names] });
      const ready = names.every((n) => {
        const t = topics.find((m) => m.name === n);
        return t !== undefined && t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0);
      });
      if (ready) return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
    }
    if (Date.now() > deadline) throw new Error(`topics not ready after ${timeoutMs} ms: ${names.join(', ')}`);
    await sleep(100);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Topic configs as the broker reports them (defaults included), by topic name. */
export async function describeTopicConfigs(admin: Admin, names: readonly string[]): Promise<Record<string, Record<string, string>>> {
  if (!names.length) return {};
  const described = await admin.describeConfigs({
    includeSynonyms: false,
    resources: names.map((name) => ({ type: ConfigResourceTypes.TOPIC, name })),
  });
  const out: Record<string, Record<string, string>> = {};
  for (const resource of described.resources) {
    out[resource.resourceName] = Object.fromEntries(resource.configEntries.map((e) => [e.configName, e.configValue]));
  }
  return out;
}

export async function deleteTopicsWithPrefix(admin: Admin, prefix: string): Promise<void> {
  if (!prefix) throw new Error('refusing to delete topics without a prefix');
  const names = (await admin.listTopics()).filter((n) => n.startsWith(prefix));
  if (names.length) await admin.deleteTopics({ topics: names, timeout: 30_000 });
}
