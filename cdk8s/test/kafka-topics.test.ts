import { PROFILES, resolveTopics, type ProfileName } from '@medlives/topology';
import { Testing } from 'cdk8s';
import { KafkaTopics } from '../src/kafka-topics';
import { KAFKA_CLUSTER } from '../src/names';
import { defaultValues } from '../src/values';
import { ofKind, synth } from './support';

describe.each<ProfileName>(['dev', 'prod'])('KafkaTopics in the %s profile', (profile) => {
  const topics = ofKind(synth(profile), 'KafkaTopic');

  it('when synthesized, then there is exactly one KafkaTopic per topology topic, DLQs included', () => {
    expect(topics.map((t) => t.metadata.name).sort()).toEqual(resolveTopics({ profile }).map((t) => t.name).sort());
    expect(topics.some((t) => t.metadata.name.endsWith('.dlq'))).toBe(true);
  });

  it.each(resolveTopics({ profile }).map((t) => [t.name, t] as const))(
    'when %s is rendered, then partitions, replicas and config match the topology exactly',
    (name, resolved) => {
      const topic = topics.find((t) => t.metadata.name === name);
      expect(topic?.metadata.labels).toEqual({ 'strimzi.io/cluster': KAFKA_CLUSTER });
      expect(topic?.spec).toEqual({
        partitions: resolved.spec.partitions,
        replicas: PROFILES[profile].replicationFactor,
        config: {
          'retention.ms': String(resolved.spec.retentionMs),
          'compression.type': resolved.spec.compression,
          'cleanup.policy': resolved.spec.cleanupPolicy,
          'min.insync.replicas': String(PROFILES[profile].minInsyncReplicas),
        },
      });
    },
  );
});

describe('KafkaTopics construct', () => {
  it('when an installation raises a partition count, then only that topic changes', () => {
    const chart = Testing.chart();
    const resolved = resolveTopics({ profile: 'dev' });
    const first = resolved[0];
    if (!first) throw new Error('empty topology');
    new KafkaTopics(chart, 'topics', {
      cluster: 'c',
      topics: resolved,
      partitions: { ...defaultValues('dev').topics, [first.name]: { partitions: first.partitions * 2 } },
    });
    const out = Testing.synth(chart);
    expect(out.find((t) => t.metadata.name === first.name).spec.partitions).toBe(first.partitions * 2);
    expect(out.filter((t) => t.metadata.name !== first.name).map((t) => t.spec.partitions)).toEqual(
      resolved.slice(1).map((t) => t.partitions),
    );
  });
});
