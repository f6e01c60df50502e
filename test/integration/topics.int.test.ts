import { describeTopicConfigs, ensureTopics, waitForTopics } from '@medlives/kafka';
import { CONSUMER_GROUPS, TOPICS, resolveTopics } from '@medlives/topology';
import { type IsolatedTopology, isolatedTopology } from '@medlives/testkit';

describe('topology on a real broker', () => {
  let env: IsolatedTopology;
  beforeAll(async () => {
    env = await isolatedTopology('topics');
  });
  afterAll(() => env.cleanup());

  it('when the topology is created, then every topic has its partitions, retention, compression and cleanup policy', async () => {
    const expected = resolveTopics({ profile: 'dev', prefix: env.prefix });
    const metadata = await env.admin.fetchTopicMetadata({ topics: expected.map((t) => t.name) });
    const configs = await describeTopicConfigs(env.admin, expected.map((t) => t.name));
    const actual = expected.map((t) => ({
      name: t.name,
      partitions: metadata.topics.find((m) => m.name === t.name)?.partitions.length,
      'retention.ms': configs[t.name]?.['retention.ms'],
      'compression.type': configs[t.name]?.['compression.type'],
      'cleanup.policy': configs[t.name]?.['cleanup.policy'],
    }));
    expect(actual).toEqual(
      expected.map((t) => ({
        name: t.name,
        partitions: t.partitions,
        'retention.ms': t.config['retention.ms'],
        'compression.type': t.config['compression.type'],
        'cleanup.policy': t.config['cleanup.policy'],
      })),
    );
    // 8 event topics, and a DLQ and a redrive topic per consumer group.
    expect(expected.length).toBe(Object.keys(TOPICS).length + 2 * Object.keys(CONSUMER_GROUPS).length);
  });

  it('when a topic drifted from the topology, then ensureTopics repairs partitions and config and reports it', async () => {
    const prefix = `${env.prefix}drift.`;
    const topics = resolveTopics({ profile: 'dev', prefix });
    const drifted = topics[0]!;
    await env.admin.createTopics({
      waitForLeaders: false,
      topics: [{ topic: drifted.name, numPartitions: 2, configEntries: [{ name: 'retention.ms', value: '1000' }] }],
    });
    await waitForTopics(env.admin, [drifted.name]);
    const result = await ensureTopics(env.admin, topics);
    expect(result.updated).toEqual([drifted.name]);
    expect(result.created).toHaveLength(topics.length - 1);
    const configs = await describeTopicConfigs(env.admin, [drifted.name]);
    expect(configs[drifted.name]?.['retention.ms']).toBe(drifted.config['retention.ms']);
    expect(configs[drifted.name]?.['compression.type']).toBe(drifted.config['compression.type']);
    const metadata = await env.admin.fetchTopicMetadata({ topics: [drifted.name] });
    expect(metadata.topics[0]?.partitions).toHaveLength(drifted.partitions);
    expect((await ensureTopics(env.admin, topics)).unchanged).toHaveLength(topics.length);
  });

  it('when the broker is asked for an unknown topic, then it is not auto-created', async () => {
    const producer = env.kafka.producer({ allowAutoTopicCreation: true, retry: { retries: 0 } });
    await producer.connect();
    await expect(producer.send({ topic: `${env.prefix}typo-topic`, messages: [{ value: 'x' }] })).rejects.toThrow();
    await producer.disconnect();
    expect(await env.admin.listTopics()).not.toContain(`${env.prefix}typo-topic`);
  });
});
