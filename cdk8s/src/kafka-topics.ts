import type { ResolvedTopic } from '@medlives/topology';
import { Construct } from 'constructs';
import { KafkaTopic } from '../imports/topic-kafka.strimzi.io';

export interface KafkaTopicsProps {
  /** Name of the Kafka cluster whose Topic Operator owns these topics. */
  readonly cluster: string;
  /** Topics as resolved for the profile (`resolveTopics`), DLQs included. */
  readonly topics: readonly ResolvedTopic[];
  /**
   * Partition count per topic name, to let an installation raise it.
   * @default - the topology's partition count
   */
  readonly partitions?: Readonly<Record<string, { readonly partitions: number }>>;
}

/** One KafkaTopic per topology topic: the Topic Operator creates and reconciles them. */
export class KafkaTopics extends Construct {
  readonly names: readonly string[];

  constructor(scope: Construct, id: string, props: KafkaTopicsProps) {
    super(scope, id);
    this.names = props.topics.map((t) => t.name);
    for (const topic of props.topics) {
      new KafkaTopic(this, topic.name, {
        // Topic names are valid resource names (lower case, digits, '.', '-'), so no spec.topicName.
        metadata: { name: topic.name, labels: { 'strimzi.io/cluster': props.cluster } },
        spec: {
          partitions: props.partitions?.[topic.name]?.partitions ?? topic.partitions,
          replicas: topic.replicationFactor,
          config: { ...topic.config },
        },
      });
    }
  }
}
