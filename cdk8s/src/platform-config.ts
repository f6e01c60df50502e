import { Construct } from 'constructs';
import { KubeConfigMap } from '../imports/k8s';
import { CONFIG_MAP, PLATFORM } from './names';

export interface PlatformConfigProps {
  readonly bootstrapServers: string;
  readonly logLevel: string;
  /** Prepended to topic names and group ids; clusters own their Kafka, so none. @default '' */
  readonly topicPrefix?: string;
}

/**
 * The ConfigMap every app loads with `envFrom`: only keys the apps' config schemas read
 * (packages/runtime KafkaEnv and CommonEnv), so nothing here is dead configuration.
 */
export class PlatformConfig extends Construct {
  readonly name = CONFIG_MAP;

  constructor(scope: Construct, id: string, props: PlatformConfigProps) {
    super(scope, id);
    new KubeConfigMap(this, 'config', {
      metadata: { name: this.name, labels: { 'app.kubernetes.io/part-of': PLATFORM } },
      data: {
        KAFKA_BROKERS: props.bootstrapServers,
        TOPIC_PREFIX: props.topicPrefix ?? '',
        LOG_LEVEL: props.logLevel,
      },
    });
  }
}
