import type { DeployableSpec } from '@medlives/topology';

/** The platform's name: the `part-of` label, the Kafka cluster and the prefix of shared objects. */
export const PLATFORM = 'medlives';
export const KAFKA_CLUSTER = PLATFORM;
/** Strimzi's plain internal listener; clients bootstrap through `<cluster>-kafka-bootstrap`. */
export const KAFKA_PORT = 9092;
/** The TLS internal listener (prod): health-record events never cross the pod network in clear. */
export const KAFKA_TLS_PORT = 9093;
/** Key of the cluster CA certificate in Strimzi's `<cluster>-cluster-ca-cert` Secret (also `ca.p12` + `ca.password`). */
export const CLUSTER_CA_KEY = 'ca.crt';
/** Where the apps find the Kafka cluster CA (NODE_EXTRA_CA_CERTS: Node trusts it next to the system CAs). */
export const CLUSTER_CA_DIR = '/etc/medlives/kafka-ca';
export const MONGO_PORT = 27017;
export const CONFIG_MAP = `${PLATFORM}-config`;
export const MONGODB = `${PLATFORM}-mongodb`;
export const KAFKA_UI = 'kafka-ui';
export const KAFKA_UI_PORT = 8080;
/** The image's WORKDIR; `npm run build` writes `dist/<app>/main.js` under it. */
export const WORKDIR = '/app';
/** Non-root uid/gid the MedLives image runs as (the `node` user of the official images). */
export const APP_UID = 1000;

export type Component = 'api' | 'worker' | 'kafka-ui' | 'mongodb';

/** Namespace the committed manifests (k8s/dev, k8s/prod) and Tilt install into. */
export const DEFAULT_NAMESPACE = PLATFORM;

/**
 * The bootstrap Service by its namespace-qualified name: KEDA's operator runs in its own namespace
 * and resolves the trigger's address there, where a short name does not exist.
 */
export function bootstrapServers(cluster: string = KAFKA_CLUSTER, namespace: string = DEFAULT_NAMESPACE, port: number = KAFKA_PORT): string {
  return `${cluster}-kafka-bootstrap.${namespace}.svc:${port}`;
}

/** Labels a Deployment selects its pods by: stable for the life of the workload. */
export function selectorLabels(name: string): Record<string, string> {
  return { 'app.kubernetes.io/name': name, 'app.kubernetes.io/part-of': PLATFORM };
}

export function workloadLabels(name: string, component: Component): Record<string, string> {
  return { ...selectorLabels(name), 'app.kubernetes.io/component': component };
}

export function componentOf(d: DeployableSpec): Component {
  return d.kind === 'http-api' ? 'api' : 'worker';
}

/** Labels Strimzi puts on every Kafka node pod of a cluster (brokers and controllers). */
export function kafkaPodLabels(cluster: string = KAFKA_CLUSTER): Record<string, string> {
  return { 'strimzi.io/cluster': cluster, 'strimzi.io/kind': 'Kafka' };
}

/** Strimzi's Secret holding the cluster CA that signs the brokers' certificates. */
export function clusterCaSecret(cluster: string = KAFKA_CLUSTER): string {
  return `${cluster}-cluster-ca-cert`;
}

export function mainModule(app: string): string {
  return `dist/${app}/main.js`;
}
