import { Construct } from 'constructs';
import type { EnvVar } from '../imports/k8s';
import { JAAS_CONFIG_KEY, KafkaAppUser, readOnlyAcls } from './kafka-users';
import { KAFKA_UI, KAFKA_UI_PORT } from './names';

const CA_DIR = '/etc/kafka-ca';
import { dnsEgress, kafkaEgress } from './network';
import type { PodPlacementValues, ResourceValues } from './values';
import { AppWorkload, httpProbes, resourceRequirements } from './workload';

export interface KafkaUiProps {
  readonly cluster: {
    readonly name: string;
    readonly bootstrapServers: string;
    readonly secure: boolean;
    readonly tls: boolean;
    readonly clientPort: number;
    readonly caSecretName: string;
  };
  /** kafbat Kafka UI image (`ghcr.io/kafbat/kafka-ui`). */
  readonly image: string;
  readonly resources: ResourceValues;
  /** Hide every write action (create topic, produce, reset offsets). @default cluster.secure */
  readonly readOnly?: boolean;
  /** Pull secrets, node selection, tolerations, affinity, pod annotations. @default - none */
  readonly placement?: Partial<PodPlacementValues>;
}

/** kafbat Kafka UI pointed at the cluster's bootstrap Service; on a secure cluster, as a read-only KafkaUser. */
export class KafkaUi extends Construct {
  readonly name = KAFKA_UI;
  readonly port = KAFKA_UI_PORT;

  constructor(scope: Construct, id: string, props: KafkaUiProps) {
    super(scope, id);
    const env: EnvVar[] = [
      { name: 'KAFKA_CLUSTERS_0_NAME', value: props.cluster.name },
      { name: 'KAFKA_CLUSTERS_0_BOOTSTRAPSERVERS', value: props.cluster.bootstrapServers },
      { name: 'KAFKA_CLUSTERS_0_READONLY', value: String(props.readOnly ?? props.cluster.secure) },
      { name: 'DYNAMIC_CONFIG_ENABLED', value: 'false' },
      // Root fs is read-only: the JVM may only write to the /tmp emptyDir.
      { name: 'JAVA_OPTS', value: '-XX:MaxRAMPercentage=75 -Djava.io.tmpdir=/tmp' },
    ];
    if (props.cluster.secure) {
      const user = new KafkaAppUser(this, 'user', { cluster: props.cluster.name, name: KAFKA_UI, acls: readOnlyAcls() });
      env.push(
        { name: 'KAFKA_CLUSTERS_0_PROPERTIES_SECURITY_PROTOCOL', value: props.cluster.tls ? 'SASL_SSL' : 'SASL_PLAINTEXT' },
        { name: 'KAFKA_CLUSTERS_0_PROPERTIES_SASL_MECHANISM', value: 'SCRAM-SHA-512' },
        {
          name: 'KAFKA_CLUSTERS_0_PROPERTIES_SASL_JAAS_CONFIG',
          valueFrom: { secretKeyRef: { name: user.credentials.secretName, key: JAAS_CONFIG_KEY } },
        },
      );
    }
    // The JVM trusts the cluster CA from Strimzi's PKCS12 truststore (ca.p12 + ca.password).
    const truststore = props.cluster.tls ? `${CA_DIR}/ca.p12` : undefined;
    if (truststore) {
      env.push(
        { name: 'KAFKA_CLUSTERS_0_PROPERTIES_SSL_TRUSTSTORE_TYPE', value: 'PKCS12' },
        { name: 'KAFKA_CLUSTERS_0_PROPERTIES_SSL_TRUSTSTORE_LOCATION', value: truststore },
        { name: 'KAFKA_CLUSTERS_0_PROPERTIES_SSL_TRUSTSTORE_PASSWORD', valueFrom: { secretKeyRef: { name: props.cluster.caSecretName, key: 'ca.password' } } },
      );
    }
    new AppWorkload(this, 'workload', {
      name: this.name,
      component: 'kafka-ui',
      port: this.port,
      replicas: 1,
      ...(props.placement ? { placement: props.placement } : {}),
      container: {
        image: props.image,
        imagePullPolicy: 'IfNotPresent',
        env,
        resources: resourceRequirements(props.resources),
        ...(truststore ? { volumeMounts: [{ name: 'kafka-ca', mountPath: CA_DIR, readOnly: true }] } : {}),
        ...httpProbes('/actuator/health', '/actuator/health', 180),
      },
      ...(truststore
        ? { volumes: [{ name: 'kafka-ca', secret: { secretName: props.cluster.caSecretName, items: [{ key: 'ca.p12', path: 'ca.p12' }], defaultMode: 0o440 } }] }
        : {}),
      egress: [dnsEgress(), kafkaEgress(props.cluster.name, props.cluster.clientPort)],
    });
  }
}
