import type { ProfileSpec } from '@medlives/topology';
import { Construct } from 'constructs';
import {
  Kafka,
  KafkaSpecKafkaAuthorizationType,
  KafkaSpecKafkaListenersAuthenticationType,
  KafkaSpecKafkaListenersType,
  KafkaSpecKafkaMetricsConfigType,
} from '../imports/kafka-kafka.strimzi.io';
import {
  KafkaNodePool,
  KafkaNodePoolSpecResourcesLimits as Limit,
  KafkaNodePoolSpecResourcesRequests as Request,
  KafkaNodePoolSpecRoles as Role,
  KafkaNodePoolSpecStorageType,
  KafkaNodePoolSpecStorageVolumesKraftMetadata,
  KafkaNodePoolSpecStorageVolumesType as VolumeType,
  type KafkaNodePoolSpecStorage,
} from '../imports/nodepool-kafka.strimzi.io';
import { KAFKA_CLUSTER, KAFKA_PORT, KAFKA_TLS_PORT, bootstrapServers, clusterCaSecret } from './names';
import type { NodePoolValues, ResourceValues } from './values';

/** Strimzi 1.2 runs Kafka 4.2.x and 4.3.x; the metadata version is pinned so upgrades are explicit. */
export const KAFKA_VERSION = '4.2.1';
export const KAFKA_METADATA_VERSION = '4.2-IV1';
/** Three voters: the KRaft quorum survives the loss of one controller. */
const CONTROLLER_QUORUM = 3;
/**
 * Strimzi's own default allow-list for the Metrics Reporter (KafkaCluster.DEFAULT_METRICS_ALLOW_LIST,
 * which its example dashboards rely on). A custom list replaces it, so ours starts from it.
 * `kafka_cluster_partition.*` carries the per-partition under-replicated / under-min-ISR series.
 */
export const STRIMZI_DEFAULT_METRICS_ALLOW_LIST: readonly string[] = [
  'kafka_cluster_partition.*',
  'kafka_controller_kafkacontroller.*',
  'kafka_controller_controllerstats_uncleanleaderelectionspersec_total',
  'kafka_log_log_size',
  'kafka_network_requestmetrics.*',
  'kafka_network_socketserver_networkprocessoravgidlepercent',
  'kafka_server_app_info.*',
  'kafka_server_brokertopicmetrics.*',
  'kafka_server_kafkarequesthandlerpool_requesthandleravgidlepercent_total',
  'kafka_server_kafkaserver_brokerstate',
  'kafka_server_kafkaserver_clusterid_info',
  'kafka_server_kafkaserver_linux.*',
  'kafka_server_raft.*',
  'kafka_server_replicamanager.*',
  'kafka_server_request_queue_size',
  'kafka_server_socket_server.*',
];
/** Added to Strimzi's defaults: per-partition log start/end offsets (retention progress, write rate per partition). */
const EXTRA_METRICS = ['kafka_log_log_logendoffset', 'kafka_log_log_logstartoffset'];
/** What each node's `tcp-prometheus` port exports: Strimzi's defaults plus ours, never fewer. */
export const METRICS_ALLOW_LIST: readonly string[] = [...STRIMZI_DEFAULT_METRICS_ALLOW_LIST, ...EXTRA_METRICS];

export interface KafkaClusterProps {
  /** Replication factor and min ISR come from here. */
  readonly profile: ProfileSpec;
  readonly brokers: NodePoolValues;
  readonly controllers: NodePoolValues;
  /** @default KAFKA_CLUSTER */
  readonly name?: string;
  /** Namespace the cluster runs in: clients outside it (KEDA) need the qualified bootstrap name. */
  readonly namespace: string;
  /**
   * One ephemeral node that is both controller and broker; otherwise dedicated controllers plus
   * `replicationFactor` brokers on persistent JBOD volumes.
   * @default profile.replicationFactor === 1
   */
  readonly singleNode?: boolean;
  /** SCRAM-SHA-512 on the listener, ACL authorization and the User Operator. @default !singleNode */
  readonly secure?: boolean;
  /**
   * Let the Topic Operator put its finalizer on KafkaTopics, so deleting one deletes the topic in Kafka
   * first. Off for a throw-away cluster: once the operator is gone (`tilt down` deletes everything at
   * once) nothing removes the finalizer and the namespace hangs in Terminating.
   * @default !singleNode
   */
  readonly topicFinalizers?: boolean;
  /**
   * Clients connect over TLS (port 9093) instead of the plain listener; they trust the cluster CA
   * from Strimzi's `<cluster>-cluster-ca-cert` Secret. @default secure
   */
  readonly tls?: boolean;
  /**
   * Rack awareness by `topology.kubernetes.io/zone`: Strimzi labels each broker with its node's zone
   * and Kafka places the replicas of a partition in different zones. @default !singleNode
   */
  readonly zoneAware?: boolean;
}

/** Node label Kafka's broker.rack is taken from. */
export const RACK_TOPOLOGY_KEY = 'topology.kubernetes.io/zone';

/** A KRaft Kafka cluster managed by Strimzi: the `Kafka` resource and its KafkaNodePools. */
export class KafkaCluster extends Construct {
  readonly name: string;
  readonly bootstrapServers: string;
  readonly secure: boolean;
  readonly tls: boolean;
  /** Listener port clients (apps, KEDA, Kafka UI) connect to. */
  readonly clientPort: number;
  /** Secret with the cluster CA (`ca.crt`, `ca.p12`, `ca.password`) that TLS clients trust. */
  readonly caSecretName: string;
  /** Kafka nodes (controllers and brokers) that export metrics. */
  readonly nodeCount: number;

  constructor(scope: Construct, id: string, props: KafkaClusterProps) {
    super(scope, id);
    const { profile } = props;
    const singleNode = props.singleNode ?? profile.replicationFactor === 1;
    this.name = props.name ?? KAFKA_CLUSTER;
    this.secure = props.secure ?? !singleNode;
    this.tls = props.tls ?? this.secure;
    this.clientPort = this.tls ? KAFKA_TLS_PORT : KAFKA_PORT;
    this.bootstrapServers = bootstrapServers(this.name, props.namespace, this.clientPort);
    this.caSecretName = clusterCaSecret(this.name);
    const zoneAware = props.zoneAware ?? !singleNode;

    if (singleNode) {
      this.pool('dual-role', [Role.CONTROLLER, Role.BROKER], 1, props.brokers.resources, ephemeralStorage());
      this.nodeCount = 1;
    } else {
      this.pool('controller', [Role.CONTROLLER], CONTROLLER_QUORUM, props.controllers.resources, persistentStorage(props.controllers));
      this.pool('broker', [Role.BROKER], profile.replicationFactor, props.brokers.resources, persistentStorage(props.brokers));
      this.nodeCount = CONTROLLER_QUORUM + profile.replicationFactor;
    }

    new Kafka(this, 'kafka', {
      metadata: { name: this.name },
      spec: {
        kafka: {
          version: KAFKA_VERSION,
          metadataVersion: KAFKA_METADATA_VERSION,
          listeners: [
            {
              name: this.tls ? 'tls' : 'plain',
              port: this.clientPort,
              type: KafkaSpecKafkaListenersType.INTERNAL,
              tls: this.tls,
              ...(this.secure
                ? { authentication: { type: KafkaSpecKafkaListenersAuthenticationType.SCRAM_HYPHEN_SHA_HYPHEN_512 } }
                : {}),
            },
          ],
          ...(this.secure ? { authorization: { type: KafkaSpecKafkaAuthorizationType.SIMPLE } } : {}),
          ...(zoneAware ? { rack: { topologyKey: RACK_TOPOLOGY_KEY } } : {}),
          config: {
            // Topics exist only as KafkaTopic resources; a typo must fail, not create a topic.
            'auto.create.topics.enable': false,
            'default.replication.factor': profile.replicationFactor,
            'min.insync.replicas': profile.minInsyncReplicas,
            'offsets.topic.replication.factor': profile.replicationFactor,
            'transaction.state.log.replication.factor': profile.replicationFactor,
            'transaction.state.log.min.isr': profile.minInsyncReplicas,
            // With racks set, consumers fetch from a replica in their own zone (client.rack) if any.
            ...(zoneAware ? { 'replica.selector.class': 'org.apache.kafka.common.replica.RackAwareReplicaSelector' } : {}),
          },
          metricsConfig: {
            type: KafkaSpecKafkaMetricsConfigType.STRIMZI_METRICS_REPORTER,
            values: { allowList: [...METRICS_ALLOW_LIST] },
          },
        },
        entityOperator: {
          topicOperator: {},
          ...(this.secure ? { userOperator: {} } : {}),
          ...(props.topicFinalizers ?? !singleNode
            ? {}
            : { template: { topicOperatorContainer: { env: [{ name: 'STRIMZI_USE_FINALIZERS', value: 'false' }] } } }),
        },
      },
    });
  }

  private pool(name: string, roles: Role[], replicas: number, resources: ResourceValues, storage: KafkaNodePoolSpecStorage): void {
    const spread = replicas > 1;
    new KafkaNodePool(this, name, {
      metadata: { name, labels: { 'strimzi.io/cluster': this.name } },
      spec: {
        replicas,
        roles,
        storage,
        resources: {
          requests: { cpu: Request.fromString(resources.requests.cpu), memory: Request.fromString(resources.requests.memory) },
          limits: { cpu: Limit.fromString(resources.limits.cpu), memory: Limit.fromString(resources.limits.memory) },
        },
        ...(spread
          ? {
              template: {
                pod: {
                  // Replicas of a partition live on different brokers; spreading the brokers too
                  // keeps a zone or node outage within what min ISR tolerates.
                  topologySpreadConstraints: ['topology.kubernetes.io/zone', 'kubernetes.io/hostname'].map((topologyKey) => ({
                    maxSkew: 1,
                    topologyKey,
                    whenUnsatisfiable: 'ScheduleAnyway',
                    labelSelector: { matchLabels: { 'strimzi.io/cluster': this.name, 'strimzi.io/pool-name': name } },
                  })),
                },
              },
            }
          : {}),
      },
    });
  }
}

function ephemeralStorage(): KafkaNodePoolSpecStorage {
  return {
    type: KafkaNodePoolSpecStorageType.JBOD,
    volumes: [{ id: 0, type: VolumeType.EPHEMERAL, kraftMetadata: KafkaNodePoolSpecStorageVolumesKraftMetadata.SHARED }],
  };
}

function persistentStorage(pool: NodePoolValues): KafkaNodePoolSpecStorage {
  return {
    type: KafkaNodePoolSpecStorageType.JBOD,
    volumes: [
      {
        id: 0,
        type: VolumeType.PERSISTENT_HYPHEN_CLAIM,
        size: pool.storageSize,
        // A broker's log outlives its pod: deleting a node must not delete its data.
        deleteClaim: false,
        kraftMetadata: KafkaNodePoolSpecStorageVolumesKraftMetadata.SHARED,
      },
    ],
  };
}
