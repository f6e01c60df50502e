import { Construct } from 'constructs';
import {
  IntOrString,
  KubeNetworkPolicy,
  KubePodDisruptionBudget,
  KubeSecret,
  KubeService,
  KubeStatefulSet,
  Quantity,
  type Probe,
} from '../imports/k8s';
import { MONGODB, MONGO_PORT, PLATFORM, selectorLabels, workloadLabels } from './names';
import type { ResourceValues } from './values';
import { resourceRequirements, restrictedSecurityContext } from './workload';

/** uid/gid of the `mongodb` user in the official image. */
const MONGO_UID = 999;

export interface MongoDbProps {
  /** Official MongoDB image, e.g. `mongo:7.0`. */
  readonly image: string;
  readonly storageSize: string;
  readonly resources: ResourceValues;
  /** Secret (key `uri`) the apps read MONGO_URL from; this construct fills it. */
  readonly uriSecretName: string;
  /** Label sets of the pods allowed to connect. */
  readonly clients: readonly Record<string, string>[];
  /** @default PLATFORM */
  readonly database?: string;
}

/**
 * A single-member MongoDB for development: StatefulSet with a PVC, headless Service, the URI
 * Secret, a PodDisruptionBudget and a NetworkPolicy admitting only the apps.
 */
export class MongoDb extends Construct {
  readonly uri: string;

  constructor(scope: Construct, id: string, props: MongoDbProps) {
    super(scope, id);
    const selector = selectorLabels(MONGODB);
    const metadata = { name: MONGODB, labels: workloadLabels(MONGODB, 'mongodb') };
    this.uri = `mongodb://${MONGODB}:${MONGO_PORT}/${props.database ?? PLATFORM}`;

    // The dev server has no credentials, so this connection string holds nothing secret; it is
    // still a Secret because that is where the apps read MONGO_URL from in every profile.
    new KubeSecret(this, 'uri', {
      metadata: { name: props.uriSecretName, labels: metadata.labels },
      type: 'Opaque',
      stringData: { uri: this.uri },
    });

    // Headless: a StatefulSet needs a governing Service for stable pod DNS names.
    new KubeService(this, 'service', {
      metadata,
      spec: {
        clusterIp: 'None',
        selector,
        ports: [{ name: 'mongodb', port: MONGO_PORT, targetPort: IntOrString.fromString('mongodb') }],
      },
    });

    const tcp = (period: number): Probe => ({
      tcpSocket: { port: IntOrString.fromString('mongodb') },
      periodSeconds: period,
      timeoutSeconds: 2,
      failureThreshold: 6,
    });
    new KubeStatefulSet(this, 'statefulset', {
      metadata,
      spec: {
        serviceName: MONGODB,
        replicas: 1,
        selector: { matchLabels: selector },
        template: {
          metadata: { labels: metadata.labels },
          spec: {
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            securityContext: {
              runAsNonRoot: true,
              runAsUser: MONGO_UID,
              runAsGroup: MONGO_UID,
              fsGroup: MONGO_UID,
              seccompProfile: { type: 'RuntimeDefault' },
            },
            containers: [
              {
                name: 'mongodb',
                image: props.image,
                imagePullPolicy: 'IfNotPresent',
                args: ['--bind_ip_all', '--wiredTigerCacheSizeGB', '0.25'],
                ports: [{ name: 'mongodb', containerPort: MONGO_PORT, protocol: 'TCP' }],
                resources: resourceRequirements(props.resources),
                securityContext: restrictedSecurityContext(),
                startupProbe: { ...tcp(2), failureThreshold: 30 },
                livenessProbe: tcp(10),
                readinessProbe: tcp(5),
                volumeMounts: [
                  { name: 'data', mountPath: '/data/db' },
                  { name: 'configdb', mountPath: '/data/configdb' },
                  { name: 'tmp', mountPath: '/tmp' },
                ],
              },
            ],
            // The image declares these as VOLUMEs; with a read-only root fs they must be mounts.
            volumes: [
              { name: 'configdb', emptyDir: {} },
              { name: 'tmp', emptyDir: { sizeLimit: Quantity.fromString('64Mi') } },
            ],
          },
        },
        volumeClaimTemplates: [
          {
            metadata: { name: 'data' },
            spec: {
              accessModes: ['ReadWriteOnce'],
              resources: { requests: { storage: Quantity.fromString(props.storageSize) } },
            },
          },
        ],
      },
    });

    new KubePodDisruptionBudget(this, 'pdb', {
      metadata,
      spec: { selector: { matchLabels: selector }, maxUnavailable: IntOrString.fromNumber(1) },
    });

    new KubeNetworkPolicy(this, 'network-policy', {
      metadata,
      spec: {
        podSelector: { matchLabels: selector },
        policyTypes: ['Ingress', 'Egress'],
        ingress: [
          {
            from: props.clients.map((matchLabels) => ({ podSelector: { matchLabels } })),
            ports: [{ protocol: 'TCP', port: IntOrString.fromNumber(MONGO_PORT) }],
          },
        ],
        // A standalone server initiates no connections.
        egress: [],
      },
    });
  }
}
