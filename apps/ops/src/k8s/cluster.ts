import { AppsV1Api, AutoscalingV2Api, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import type {
  ClusterSnapshot,
  DeploymentObject,
  HpaObject,
  KafkaObject,
  Listing,
  NodePoolObject,
  ScaledObjectObject,
  TopicObject,
} from './resources';

/** API versions of ../shared/crds: Strimzi 1.2 and KEDA 2.20. */
const STRIMZI = { group: 'kafka.strimzi.io', version: 'v1' } as const;
const KEDA = { group: 'keda.sh', version: 'v1alpha1' } as const;

/** Client-node errors carry the whole response; keep the status code and the API server's message. */
export function apiErrorText(error: unknown): string {
  if (error && typeof error === 'object' && 'code' in error && typeof error.code === 'number' && 'body' in error) {
    let body: unknown = error.body;
    try {
      if (typeof body === 'string') body = JSON.parse(body);
    } catch {
      // not JSON: the status code alone has to do
    }
    const text = body && typeof body === 'object' && 'message' in body ? `: ${String(body.message)}` : '';
    const hint = error.code === 404 ? ' (CRD not installed?)' : '';
    return `HTTP ${error.code}${text}${hint}`;
  }
  return error instanceof Error ? error.message : String(error);
}

async function listing<T>(items: Promise<readonly T[]>): Promise<Listing<T>> {
  try {
    return { ok: true, items: await items };
  } catch (error) {
    return { ok: false, error: apiErrorText(error) };
  }
}

/** KUBECONFIG, then ~/.kube/config, then the in-cluster service account, like kubectl. */
export function loadKubeConfig(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromDefault();
  return kc;
}

/** Reads every object `medlives status` needs from one namespace (default: the context's, else "default"). */
export async function readCluster(namespace?: string, kc: KubeConfig = loadKubeConfig()): Promise<ClusterSnapshot> {
  const context = kc.getCurrentContext();
  const ns = namespace ?? kc.getContextObject(context)?.namespace ?? 'default';
  const custom = kc.makeApiClient(CustomObjectsApi);
  const crs = <T>(api: { group: string; version: string }, plural: string): Promise<Listing<T>> =>
    listing(custom.listNamespacedCustomObject({ ...api, namespace: ns, plural }).then((l: { items: T[] }) => l.items));
  const apps = kc.makeApiClient(AppsV1Api);
  const autoscaling = kc.makeApiClient(AutoscalingV2Api);
  const [kafkas, nodePools, topics, scaledObjects, deployments, hpas] = await Promise.all([
    crs<KafkaObject>(STRIMZI, 'kafkas'),
    crs<NodePoolObject>(STRIMZI, 'kafkanodepools'),
    crs<TopicObject>(STRIMZI, 'kafkatopics'),
    crs<ScaledObjectObject>(KEDA, 'scaledobjects'),
    listing<DeploymentObject>(apps.listNamespacedDeployment({ namespace: ns }).then((l) => l.items)),
    listing<HpaObject>(autoscaling.listNamespacedHorizontalPodAutoscaler({ namespace: ns }).then((l) => l.items)),
  ]);
  return {
    namespace: ns,
    context,
    server: kc.getCurrentCluster()?.server ?? '?',
    kafkas,
    nodePools,
    topics,
    scaledObjects,
    deployments,
    hpas,
  };
}
