import { CONSUMER_GROUPS, resolveTopics, type ProfileName } from '@medlives/topology';
import { Construct } from 'constructs';
import { KubeConfigMap } from '../imports/k8s';
import { CONFIG_MAP, PLATFORM } from './names';

export interface PlatformConfigProps {
  readonly profile: ProfileName;
  readonly bootstrapServers: string;
  readonly logLevel: string;
  /** Prepended to topic names and group ids; clusters own their Kafka, so none. @default '' */
  readonly topicPrefix?: string;
}

/** The ConfigMap every app loads with `envFrom`, plus the resolved topology for operators. */
export class PlatformConfig extends Construct {
  readonly name = CONFIG_MAP;

  constructor(scope: Construct, id: string, props: PlatformConfigProps) {
    super(scope, id);
    const topology = {
      profile: props.profile,
      // Partition counts live on the KafkaTopic resources, the one place an installation changes them.
      topics: resolveTopics({ profile: props.profile }).map((t) => ({
        name: t.name,
        replicationFactor: t.replicationFactor,
        key: t.spec.key,
        config: t.config,
      })),
      groups: Object.values(CONSUMER_GROUPS).map((g) => ({
        id: g.id,
        app: g.app,
        deployed: g.available,
        topics: g.topics.map((t) => t.name),
        dlq: g.dlq.name,
        mode: g.mode,
        batch: g.batch,
      })),
    };
    new KubeConfigMap(this, 'config', {
      metadata: { name: this.name, labels: { 'app.kubernetes.io/part-of': PLATFORM } },
      data: {
        KAFKA_BROKERS: props.bootstrapServers,
        TOPIC_PREFIX: props.topicPrefix ?? '',
        LOG_LEVEL: props.logLevel,
        MEDLIVES_PROFILE: props.profile,
        'topology.json': JSON.stringify(topology, null, 2),
      },
    });
  }
}
