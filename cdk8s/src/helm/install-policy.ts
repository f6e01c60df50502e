/**
 * What `helm install` / `helm uninstall` need beyond the manifests kubectl applies: objects whose
 * deletion would destroy data stay behind on uninstall, and objects of optional APIs render only when
 * the cluster serves them.
 */
import type { ProfileName } from '@medlives/topology';

/**
 * Deleting a KafkaTopic makes the Topic Operator delete the topic (audit-events keeps 365 days), and
 * deleting the Kafka or a node pool takes the brokers with it: in prod these outlive `helm uninstall`.
 */
const KEPT_IN_PROD: ReadonlySet<string> = new Set(['Kafka', 'KafkaNodePool', 'KafkaTopic']);

/** API groups the platform works without (prometheus-operator), keyed to the capability Helm checks. */
const OPTIONAL_APIS: readonly { readonly prefix: string; readonly kinds: readonly string[] }[] = [
  { prefix: 'monitoring.coreos.com/v1', kinds: ['PodMonitor', 'PrometheusRule'] },
];

interface Head {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly metadata?: { readonly annotations?: Record<string, string> };
}

/** The manifest as Helm installs it in `profile`. */
export function withInstallPolicy<T>(doc: T, profile: ProfileName): T {
  const head = doc as Head;
  if (profile !== 'prod' || !KEPT_IN_PROD.has(head.kind ?? '')) return doc;
  const metadata = { ...head.metadata, annotations: { ...head.metadata?.annotations, 'helm.sh/resource-policy': 'keep' } };
  return { ...doc, metadata };
}

/** `.Capabilities.APIVersions.Has "<group/version/kind>"` when the object's API is optional. */
export function capabilityCondition(doc: unknown): string | undefined {
  const head = doc as Head;
  const api = OPTIONAL_APIS.find((a) => a.prefix === head.apiVersion);
  return api ? `.Capabilities.APIVersions.Has ${JSON.stringify(`${api.prefix}/${head.kind}`)}` : undefined;
}

/** The capability every optional API is checked by: `helm template --api-versions` takes these. */
export function optionalApiVersions(): string[] {
  return OPTIONAL_APIS.flatMap((a) => a.kinds.map((k) => `${a.prefix}/${k}`));
}

/** NOTES lines saying which optional objects were left out because the cluster lacks their API. */
export function optionalApiNotes(): string {
  const [first] = optionalApiVersions();
  return `{{- if and .Values.monitoring.enabled (not (.Capabilities.APIVersions.Has ${JSON.stringify(first)})) }}

Monitoring: this cluster serves no monitoring.coreos.com/v1 (prometheus-operator), so the PodMonitors and
the PrometheusRule were left out (the Grafana dashboard ConfigMap is installed). Install
prometheus-operator, then \`helm upgrade\` to add them; or set monitoring.enabled=false.
{{- end }}`;
}
