/**
 * The knobs of a MedLives installation. cdk8s renders k8s/<profile> from `defaultValues(profile)`;
 * the Helm chart's values.yaml and values-prod.yaml are generated from the same objects, so the
 * chart and the committed manifests cannot drift apart.
 */
import { deployables, resolveTopics, type ConsumerGroupSpec, type ProfileName } from '@medlives/topology';
import rootPackage from '../../package.json';

export interface ResourceValues {
  readonly requests: { readonly cpu: string; readonly memory: string };
  readonly limits: { readonly cpu: string; readonly memory: string };
}

export interface WorkerValues {
  readonly minReplicas: number;
  readonly maxReplicas: number;
  readonly lagThreshold: number;
  readonly resources: ResourceValues;
}

export interface NodePoolValues {
  /** PVC size per node (prod only: dev nodes are ephemeral). */
  readonly storageSize: string;
  readonly resources: ResourceValues;
}

/** Where and how the platform's pods run (the apps and Kafka UI); empty means the cluster's defaults. */
export interface PodPlacementValues {
  readonly imagePullSecrets: readonly { readonly name: string }[];
  readonly nodeSelector: Readonly<Record<string, string>>;
  readonly tolerations: readonly Readonly<Record<string, unknown>>[];
  readonly affinity: Readonly<Record<string, unknown>>;
  readonly podAnnotations: Readonly<Record<string, string>>;
}

/** Value keys passed to the pods whole (objects and lists), as Helm charts conventionally do. */
export const POD_PLACEMENT_KEYS: readonly (keyof PodPlacementValues)[] = ['imagePullSecrets', 'nodeSelector', 'tolerations', 'affinity', 'podAnnotations'];

export interface PlatformValues extends PodPlacementValues {
  /** Values a parent chart shares with its subcharts; unused by MedLives itself. */
  readonly global: Readonly<Record<string, unknown>>;
  readonly profile: ProfileName;
  readonly image: { readonly repository: string; readonly tag: string; readonly pullPolicy: string };
  readonly logLevel: string;
  /** Names of Secrets the installation reads; their values never live in this repository. */
  readonly secrets: { readonly mongoUri: string; readonly apiKeys: string; readonly encryptionKey: string };
  readonly producerApi: { readonly replicas: number; readonly resources: ResourceValues };
  /** Keyed by app (apps/<app>): one KEDA-scaled Deployment each. */
  readonly workers: Readonly<Record<string, WorkerValues>>;
  /** Keyed by topic name, DLQs included. */
  readonly topics: Readonly<Record<string, { readonly partitions: number }>>;
  readonly kafka: { readonly brokers: NodePoolValues; readonly controllers: NodePoolValues };
  readonly kafkaUi: { readonly enabled: boolean; readonly image: string; readonly resources: ResourceValues };
  readonly mongodb: { readonly image: string; readonly storageSize: string; readonly resources: ResourceValues };
  readonly monitoring: {
    readonly enabled: boolean;
    /** Prometheus scraping the PodMonitors; prod's KEDA sink guard queries it. */
    readonly prometheusServer: string;
  };
}

function resources(cpu: string, memory: string, cpuLimit: string, memoryLimit: string): ResourceValues {
  return { requests: { cpu, memory }, limits: { cpu: cpuLimit, memory: memoryLimit } };
}

export function defaultValues(profile: ProfileName): PlatformValues {
  const prod = profile === 'prod';
  const workers = deployables().flatMap((d) => (d.group ? [[d.app, workerDefaults(d.group)] as const] : []));
  return {
    profile,
    global: {},
    imagePullSecrets: [],
    nodeSelector: {},
    tolerations: [],
    affinity: {},
    podAnnotations: {},
    image: { repository: 'medlives', tag: rootPackage.version, pullPolicy: 'IfNotPresent' },
    logLevel: 'info',
    secrets: { mongoUri: 'medlives-mongo', apiKeys: 'medlives-api-keys', encryptionKey: 'medlives-encryption' },
    producerApi: { replicas: prod ? 3 : 1, resources: resources('200m', '256Mi', '1', '512Mi') },
    workers: Object.fromEntries(workers),
    topics: Object.fromEntries(resolveTopics({ profile }).map((t) => [t.name, { partitions: t.partitions }])),
    kafka: {
      brokers: {
        storageSize: '100Gi',
        resources: prod ? resources('1', '4Gi', '2', '4Gi') : resources('250m', '1Gi', '2', '1536Mi'),
      },
      controllers: { storageSize: '20Gi', resources: resources('250m', '1Gi', '1', '1Gi') },
    },
    kafkaUi: { enabled: true, image: 'ghcr.io/kafbat/kafka-ui:v1.5.0', resources: resources('100m', '384Mi', '1', '768Mi') },
    mongodb: { image: 'mongo:7.0', storageSize: '1Gi', resources: resources('100m', '256Mi', '1', '1Gi') },
    monitoring: { enabled: true, prometheusServer: 'http://prometheus-operated.monitoring.svc:9090' },
  };
}

function workerDefaults(group: ConsumerGroupSpec): WorkerValues {
  return {
    minReplicas: group.minReplicas,
    maxReplicas: group.maxReplicas,
    lagThreshold: group.lagThreshold,
    resources: resources('100m', '256Mi', '1', '512Mi'),
  };
}

/** Throws listing every value that would produce a cluster that cannot work as intended. */
export function validateValues(values: PlatformValues): void {
  const problems: string[] = [];
  for (const d of deployables()) {
    if (!d.group) continue;
    const w = values.workers[d.app];
    if (!w) {
      problems.push(`workers.${d.app} is missing`);
      continue;
    }
    const partitions = Math.max(...d.group.topics.map((t) => values.topics[t.name]?.partitions ?? 0));
    if (w.minReplicas < 1) problems.push(`workers.${d.app}.minReplicas < 1 would strand the group at zero`);
    if (w.minReplicas > w.maxReplicas) problems.push(`workers.${d.app}.minReplicas > maxReplicas`);
    if (w.maxReplicas > partitions) problems.push(`workers.${d.app}.maxReplicas > ${partitions} partitions (idle consumers)`);
  }
  for (const t of resolveTopics()) {
    if (!values.topics[t.name]) problems.push(`topics.${t.name} is missing`);
  }
  if (problems.length) throw new Error(`Invalid values:\n- ${problems.join('\n- ')}`);
}
