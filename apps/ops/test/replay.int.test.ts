/** `medlives replay` against the real broker: dry run, timestamp and earliest resets, live-member refusal. */
import { CONSUMER_GROUPS, resolveGroupId, resolveTopicName } from '@medlives/topology';
import { type IsolatedTopology, isolatedTopology, requireEnv, waitFor } from '@medlives/testkit';
import { runCli } from '../src/cli';

const group = CONSUMER_GROUPS.analytics;

describe('medlives replay', () => {
  let env: IsolatedTopology;
  beforeAll(async () => {
    env = await isolatedTopology('ops-replay');
  });
  afterAll(() => env.cleanup());

  const cli = async (...argv: string[]) => {
    const lines: string[] = [];
    const code = await runCli(argv, { out: (l) => void lines.push(l), err: () => undefined }, { kafka: env.kafka, env: { KAFKA_BROKERS: requireEnv('KAFKA_BROKERS'), TOPIC_PREFIX: env.prefix } });
    return { code, out: lines.join('\n') };
  };

  it('when the group is idle, then it rewinds to a timestamp or to earliest; while members are live it refuses', async () => {
    const groupId = resolveGroupId(group, env.prefix);
    const topic = resolveTopicName(group.topics[0]!, env.prefix);
    const base = Date.parse('2026-11-21T08:00:00.000Z');
    const producer = env.kafka.producer();
    await producer.connect();
    await producer.send({ topic, messages: Array.from({ length: 6 }, (_, i) => ({ key: 'k', value: String(i), partition: 0, timestamp: String(base + i * 60_000) })) });
    await producer.disconnect();
    const consumer = env.kafka.consumer({ groupId });
    await consumer.connect();
    await consumer.subscribe({ topics: group.topics.map((t) => resolveTopicName(t, env.prefix)), fromBeginning: true });
    let seen = 0;
    await consumer.run({ eachMessage: async () => void seen++ });
    await waitFor('the group to read everything', () => seen === 6);

    const live = await cli('replay', '--group', group.id, '--from', 'earliest');
    expect(live.code).toBe(1);
    expect(live.out).toMatch(/refusing to replay .*1 live member/);
    await consumer.disconnect();
    const committed = async () => (await env.admin.fetchOffsets({ groupId, topics: [topic] }))[0]!.partitions.find((p) => p.partition === 0)!.offset;
    await waitFor('the final commit', async () => (await committed()) === '6');

    const dry = await cli('replay', '--group', group.app, '--from', '2026-11-21T08:03:00Z', '--dry-run');
    expect(dry).toMatchObject({ code: 0, out: expect.stringMatching(/would re-read 3 records; nothing changed/) });
    expect(await committed()).toBe('6');

    await expect(cli('replay', '--group', group.id, '--from', '2026-11-21T08:03:00Z')).resolves.toMatchObject({ code: 0 });
    expect(await committed()).toBe('3');
    await expect(cli('replay', '--group', group.id, '--from', 'earliest')).resolves.toMatchObject({ code: 0, out: expect.stringMatching(/re-reads 6 records/) });
    expect(await committed()).toBe('0');
  });

  it('when the timestamp is ahead of what the group committed, then replay refuses to skip; --force skips, saying how many', async () => {
    const groupId = resolveGroupId(group, env.prefix);
    const topic = resolveTopicName(group.topics[0]!, env.prefix);
    // The previous test left 6 records on partition 0 (one a minute from 08:00); the group read only the first.
    await env.admin.setOffsets({ groupId, topic, partitions: [{ partition: 0, offset: '1' }] });
    const committed = async () => (await env.admin.fetchOffsets({ groupId, topics: [topic] }))[0]!.partitions.find((p) => p.partition === 0)!.offset;

    const refused = await cli('replay', '--group', group.id, '--from', '2026-11-21T08:03:00Z');
    expect(refused).toMatchObject({ code: 1, out: expect.stringMatching(/would skip 2 records? .*not processed/) });
    expect(await committed()).toBe('1');
    const dry = await cli('replay', '--group', group.id, '--from', '2026-11-21T08:03:00Z', '--dry-run');
    expect(dry).toMatchObject({ code: 0, out: expect.stringMatching(/skip 2/) });
    expect(await committed()).toBe('1');

    const forced = await cli('replay', '--group', group.id, '--from', '2026-11-21T08:03:00Z', '--force');
    expect(forced).toMatchObject({ code: 0, out: expect.stringMatching(/--force: skipping 2 records/) });
    expect(await committed()).toBe('3');
  });
});
