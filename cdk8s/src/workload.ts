import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import {
  IntOrString,
  KubeDeployment,
  KubeNetworkPolicy,
  KubePodDisruptionBudget,
  KubeService,
  Quantity,
  type Container,
  type NetworkPolicyEgressRule,
  type Probe,
  type ResourceRequirements,
  type SecurityContext,
  type TopologySpreadConstraint,
  type Volume,
} from '../imports/k8s';
import { APP_UID, selectorLabels, workloadLabels, type Component } from './names';
import { portIngress } from './network';
import type { PodPlacementValues, ResourceValues } from './values';

export const PORT_NAME = 'http';
const TMP_VOLUME = 'tmp';

export interface AppWorkloadProps {
  /** Name of the Deployment, Service, PodDisruptionBudget, NetworkPolicy and container. */
  readonly name: string;
  readonly component: Component;
  /** The container; security context, /tmp mount and the named port are added here. */
  readonly container: Omit<Container, 'name' | 'ports' | 'securityContext'>;
  /** Container port, exposed as the `http` port of the Service. */
  readonly port: number;
  /**
   * Fixed replica count.
   * @default - no `replicas` field: an autoscaler (KEDA) owns the count, and a field here would
   * fight it on every apply.
   */
  readonly replicas?: number;
  /** @default APP_UID */
  readonly uid?: number;
  /** Extra pod volumes (mounts go in `container.volumeMounts`). @default [] */
  readonly volumes?: readonly Volume[];
  /** Everything the pod may reach; all other egress is denied. */
  readonly egress: readonly NetworkPolicyEgressRule[];
  /** Spread pods across zones and nodes. @default false */
  readonly spread?: boolean;
  /** Must exceed the app's own shutdown budget (flush, commit, disconnect). @default 30 */
  readonly terminationGracePeriodSeconds?: number;
  /** Pull secrets, node selection, tolerations, affinity and pod annotations. @default - none */
  readonly placement?: Partial<PodPlacementValues>;
}

/** A value worth rendering: anything but undefined, `{}` and `[]`. */
function given(v: unknown): boolean {
  return v !== undefined && (typeof v !== 'object' || v === null || Object.keys(v).length > 0);
}

/**
 * One hardened workload: Deployment (non-root, read-only root fs, no privilege escalation, writable
 * /tmp), Service, PodDisruptionBudget and a NetworkPolicy admitting only its port.
 */
export class AppWorkload extends Construct {
  readonly name: string;
  readonly selector: Record<string, string>;

  constructor(scope: Construct, id: string, props: AppWorkloadProps) {
    super(scope, id);
    const uid = props.uid ?? APP_UID;
    this.name = props.name;
    this.selector = selectorLabels(props.name);
    const labels = workloadLabels(props.name, props.component);
    const metadata = { name: props.name, labels };

    const manifest = KubeDeployment.manifest({
      metadata,
      spec: {
        ...(props.replicas === undefined ? {} : { replicas: props.replicas }),
        revisionHistoryLimit: 5,
        selector: { matchLabels: this.selector },
        strategy: {
          type: 'RollingUpdate',
          rollingUpdate: { maxSurge: IntOrString.fromNumber(1), maxUnavailable: IntOrString.fromNumber(0) },
        },
        template: {
          metadata: { labels },
          spec: {
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            terminationGracePeriodSeconds: props.terminationGracePeriodSeconds ?? 30,
            securityContext: {
              runAsNonRoot: true,
              runAsUser: uid,
              runAsGroup: uid,
              fsGroup: uid,
              seccompProfile: { type: 'RuntimeDefault' },
            },
            ...(props.spread ? { topologySpreadConstraints: spreadConstraints(this.selector) } : {}),
            containers: [
              {
                ...props.container,
                name: props.name,
                ports: [{ name: PORT_NAME, containerPort: props.port, protocol: 'TCP' }],
                securityContext: restrictedSecurityContext(),
                volumeMounts: [{ name: TMP_VOLUME, mountPath: '/tmp' }, ...(props.container.volumeMounts ?? [])],
              },
            ],
            volumes: [{ name: TMP_VOLUME, emptyDir: { sizeLimit: Quantity.fromString('64Mi') } }, ...(props.volumes ?? [])],
          },
        },
      },
    });

    // Placement is passed through as given, after the typed rendering: values hold it as plain
    // objects and lists, exactly what the pod spec takes.
    const p = props.placement ?? {};
    const template = manifest.spec.template;
    if (given(p.podAnnotations)) template.metadata.annotations = p.podAnnotations;
    for (const key of ['imagePullSecrets', 'nodeSelector', 'tolerations', 'affinity'] as const) {
      if (given(p[key])) template.spec[key] = p[key];
    }
    new ApiObject(this, 'deployment', manifest);

    new KubeService(this, 'service', {
      metadata,
      spec: {
        type: 'ClusterIP',
        selector: this.selector,
        ports: [{ name: PORT_NAME, port: props.port, targetPort: IntOrString.fromString(PORT_NAME), protocol: 'TCP' }],
      },
    });

    new KubePodDisruptionBudget(this, 'pdb', {
      metadata,
      spec: {
        selector: { matchLabels: this.selector },
        // maxUnavailable (not minAvailable) so a single-replica workload never blocks a node drain.
        maxUnavailable: IntOrString.fromNumber(1),
        // A pod that is not ready serves nothing; keeping it would only stall evictions.
        unhealthyPodEvictionPolicy: 'AlwaysAllow',
      },
    });

    new KubeNetworkPolicy(this, 'network-policy', {
      metadata,
      spec: {
        podSelector: { matchLabels: this.selector },
        policyTypes: ['Ingress', 'Egress'],
        ingress: [portIngress(props.port)],
        egress: [...props.egress],
      },
    });
  }
}

/** The Pod Security Standard "restricted" container profile. */
export function restrictedSecurityContext(): SecurityContext {
  return {
    allowPrivilegeEscalation: false,
    privileged: false,
    readOnlyRootFilesystem: true,
    runAsNonRoot: true,
    capabilities: { drop: ['ALL'] },
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/** Liveness on `live`, readiness on `ready`, and a startup probe that gives boot `startupSeconds`. */
export function httpProbes(
  live: string,
  ready: string,
  startupSeconds = 60,
): Pick<Container, 'livenessProbe' | 'readinessProbe' | 'startupProbe'> {
  const get = (path: string, period: number, failures: number): Probe => ({
    httpGet: { path, port: IntOrString.fromString(PORT_NAME) },
    periodSeconds: period,
    timeoutSeconds: 2,
    failureThreshold: failures,
  });
  return {
    startupProbe: get(live, 2, Math.ceil(startupSeconds / 2)),
    livenessProbe: get(live, 10, 3),
    readinessProbe: get(ready, 5, 2),
  };
}

export function resourceRequirements(r: ResourceValues): ResourceRequirements {
  return {
    requests: { cpu: Quantity.fromString(r.requests.cpu), memory: Quantity.fromString(r.requests.memory) },
    limits: { cpu: Quantity.fromString(r.limits.cpu), memory: Quantity.fromString(r.limits.memory) },
  };
}

/** Soft spreading: a zone or node outage takes out one replica, yet scheduling never blocks. */
export function spreadConstraints(selector: Record<string, string>): TopologySpreadConstraint[] {
  return ['topology.kubernetes.io/zone', 'kubernetes.io/hostname'].map((topologyKey) => ({
    maxSkew: 1,
    topologyKey,
    whenUnsatisfiable: 'ScheduleAnyway',
    labelSelector: { matchLabels: selector },
    // Count only pods of the same ReplicaSet, so a rollout does not skew against the old one.
    matchLabelKeys: ['pod-template-hash'],
  }));
}
