import { deployables } from '@medlives/topology';
import { Document, isMap, isScalar, stringify, type Node as YamlNode } from 'yaml';
import rootPackage from '../../../package.json';
import { CommonEnv } from '@medlives/runtime';
import { defaultValues, type PlatformValues } from '../values';
import { ValueMarkers } from './markers';

/** What each value means; the first match (exact path, then its parent `*` pattern) documents a key. */
const DOCS: Readonly<Record<string, string>> = {
  profile:
    'dev: one ephemeral dual-role Kafka node (RF 1) and an in-cluster MongoDB. prod: 3 KRaft controllers + 3 brokers on persistent JBOD volumes (RF 3, min ISR 2), SCRAM-SHA-512 KafkaUsers with ACLs, topology spread, external MongoDB.',
  image: 'The one MedLives image; each app runs `node dist/<app>/main.js` in it.',
  logLevel: 'LOG_LEVEL of every app (pino levels).',
  global: 'Shared with subcharts when MedLives is a dependency of another chart; MedLives reads nothing from it.',
  imagePullSecrets: 'Secrets for pulling the MedLives and Kafka UI images, e.g. [{name: regcred}].',
  nodeSelector: 'Node labels the app and Kafka UI pods must run on (Kafka node pools are placed by Strimzi).',
  tolerations: 'Tolerations of the app and Kafka UI pods.',
  affinity: 'Affinity of the app and Kafka UI pods (prod also spreads them over zones and nodes).',
  podAnnotations: 'Annotations added to the app and Kafka UI pods.',
  secrets:
    'Names of Secrets you create before installing (see README). The chart only creates secrets.mongoUri in the dev profile, pointing at the in-cluster MongoDB.',
  'secrets.mongoUri': 'Secret with key `uri`: the MongoDB connection string (MONGO_URL).',
  'secrets.apiKeys': 'Secret with key `api-keys`: `tenantCode:key,...,admin:key`, mounted as API_KEYS_FILE for the producer API.',
  'secrets.encryptionKey': 'Secret with key `encryption-keys`: ENCRYPTION_KEYS (`kid:base64key[,kid:base64key...]`, the first seals new data) for care-records, notification-service and the producer API.',
  producerApi: 'The producer API Deployment.',
  workers:
    'One KEDA-scaled Deployment per consumer group. maxReplicas must not exceed the partitions of the group\'s topics; minReplicas stays >= 1 so the group is never stranded at zero.',
  '*.lagThreshold': 'Target consumer lag per replica (KEDA kafka trigger `lagThreshold`).',
  topics: 'Partition count per KafkaTopic (DLQs included). Partitions can be increased, never decreased.',
  kafka: 'Strimzi KafkaNodePools. dev runs one dual-role node with the broker settings.',
  '*.storageSize': 'PersistentVolumeClaim size per node (prod only).',
  kafkaUi: 'kafbat Kafka UI; read-only and authenticated as its own KafkaUser in prod.',
  mongodb: 'Development MongoDB (dev profile only).',
  'mongodb.storageSize': 'PersistentVolumeClaim size of the development MongoDB.',
  monitoring: 'PodMonitors, PrometheusRule (MISSION §6 alerts) and the Grafana dashboard ConfigMap. PodMonitors and the PrometheusRule render only when the cluster serves monitoring.coreos.com/v1 (prometheus-operator); NOTES says when they were left out.',
  'monitoring.prometheusServer':
    'prod: the Prometheus that scrapes the PodMonitors. KEDA reads the workers\' paused-partition gauge there and holds scaling while the sink (MongoDB) fails; unreachable, the HPA keeps the current replica count.',
  '*.resources': 'Container requests and limits.',
};

function docFor(path: readonly string[]): string | undefined {
  return DOCS[path.join('.')] ?? DOCS[`*.${path[path.length - 1]}`];
}

function annotate(node: YamlNode | null, path: readonly string[]): void {
  if (!isMap(node)) return;
  for (const pair of node.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : '';
    const doc = docFor([...path, key]);
    if (doc && isScalar(pair.key)) pair.key.commentBefore = ` ${doc}`;
    annotate(pair.value as YamlNode | null, [...path, key]);
  }
}

function valuesYaml(values: unknown, header: string): string {
  const doc = new Document(values);
  annotate(doc.contents, []);
  doc.commentBefore = header;
  return doc.toString({ lineWidth: 0 });
}

/** `prod` minus `dev`: what values-prod.yaml must override. */
function diff(dev: unknown, prod: unknown): unknown {
  if (dev && prod && typeof dev === 'object' && typeof prod === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(prod)) {
      const d = diff((dev as Record<string, unknown>)[k], v);
      if (d !== undefined) out[k] = d;
    }
    return Object.keys(out).length ? out : undefined;
  }
  return JSON.stringify(dev) === JSON.stringify(prod) ? undefined : prod;
}

/** Schemas of the values passed to Kubernetes whole (any object or list the pod spec accepts). */
const PASS_THROUGH: Readonly<Record<string, Record<string, unknown>>> = {
  global: { type: 'object' },
  imagePullSecrets: { type: 'array', items: { type: 'object', required: ['name'], properties: { name: { type: 'string', minLength: 1 } } } },
  nodeSelector: { type: 'object', additionalProperties: { type: 'string' } },
  tolerations: { type: 'array', items: { type: 'object' } },
  affinity: { type: 'object' },
  podAnnotations: { type: 'object', additionalProperties: { type: 'string' } },
};
/** LOG_LEVEL as the apps parse it (packages/runtime CommonEnv). */
const LOG_LEVELS: readonly string[] = CommonEnv.shape.LOG_LEVEL.unwrap().options;

function schemaFor(value: unknown, path: readonly string[]): Record<string, unknown> {
  const description = docFor(path);
  const base = description ? { description } : {};
  const passThrough = path.length === 1 ? PASS_THROUGH[path[0] ?? ''] : undefined;
  if (passThrough) return { ...base, ...passThrough };
  // Kubernetes quantities: `cpu: 1` and `memory: 512Mi` are both valid, so numbers are too.
  if (path.includes('resources') && ['cpu', 'memory'].includes(path[path.length - 1] ?? '')) {
    return { ...base, type: ['string', 'number'], pattern: '^[0-9.]+[a-zA-Z]*$' };
  }
  if (path.join('.') === 'logLevel') return { ...base, type: 'string', enum: [...LOG_LEVELS] };
  if (value !== null && typeof value === 'object') {
    const props = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, schemaFor(v, [...path, k])]));
    return { ...base, type: 'object', additionalProperties: false, required: Object.keys(props), properties: props };
  }
  if (path.join('.') === 'profile') return { ...base, type: 'string', enum: ['dev', 'prod'] };
  if (path.join('.') === 'image.pullPolicy') return { ...base, type: 'string', enum: ['Always', 'IfNotPresent', 'Never'] };
  if (typeof value === 'number') return { ...base, type: 'integer', minimum: 1 };
  if (typeof value === 'boolean') return { ...base, type: 'boolean' };
  return { ...base, type: 'string', minLength: 1 };
}

/** Fails the render when scaling bounds contradict the partitions they depend on. */
function validateTemplate(markers: ValueMarkers): string {
  const lines = ['{{- /* Generated by cdk8s/helm.ts: the invariants values.schema.json cannot express. */}}'];
  for (const d of deployables()) {
    if (!d.group) continue;
    const w = (k: string) => `(int ${markers.expression(['workers', d.app, k])})`;
    const partitions = d.group.topics.map((t) => `(int ${markers.expression(['topics', t.name, 'partitions'])})`);
    lines.push(
      `{{- if gt ${w('minReplicas')} ${w('maxReplicas')} }}{{ fail "workers.${d.app}: minReplicas > maxReplicas" }}{{- end }}`,
      `{{- if gt ${w('maxReplicas')} (max ${partitions.join(' ')}) }}{{ fail "workers.${d.app}.maxReplicas exceeds the partitions of its topics: extra consumers would sit idle" }}{{- end }}`,
    );
  }
  return lines.join('\n') + '\n';
}

/** values.yaml, values-prod.yaml, values.schema.json, Chart.yaml and templates/validate.yaml. */
export function renderValueFiles(): Map<string, string> {
  const dev: PlatformValues = defaultValues('dev');
  const prod: PlatformValues = defaultValues('prod');
  const files = new Map<string, string>();
  files.set(
    'Chart.yaml',
    '# Generated by cdk8s/helm.ts. Do not edit: run `npm run synth`.\n' +
      stringify({
      apiVersion: 'v2',
      name: 'medlives',
      description: rootPackage.description,
      type: 'application',
      version: rootPackage.version,
      appVersion: rootPackage.version,
      // The manifests use fields served since 1.31 (PodDisruptionBudget unhealthyPodEvictionPolicy GA,
      // topologySpread matchLabelKeys); -0 admits pre-release and vendor builds (v1.31.2-eks-...).
      kubeVersion: '>=1.31.0-0',
      }),
  );
  files.set(
    'values.yaml',
    valuesYaml(dev, ' Generated by cdk8s/helm.ts from cdk8s/src/values.ts. Do not edit: run `npm run synth`.\n Defaults reproduce k8s/dev; values-prod.yaml reproduces k8s/prod.'),
  );
  files.set(
    'values-prod.yaml',
    valuesYaml(diff(dev, prod), ' Generated by cdk8s/helm.ts. `helm install -f values-prod.yaml` renders k8s/prod.'),
  );
  const schema = { $schema: 'https://json-schema.org/draft-07/schema#', title: 'MedLives chart values', ...schemaFor(dev, []) };
  files.set('values.schema.json', JSON.stringify(schema, null, 2) + '\n');
  files.set('templates/validate.yaml', validateTemplate(new ValueMarkers()));
  return files;
}
