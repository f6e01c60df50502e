/**
 * The few fields of Strimzi, KEDA and apps/v1 objects that `medlives status` reads. Kept free of
 * @kubernetes/client-node so the pure status logic loads without it.
 */

export interface Condition {
  readonly type: string;
  readonly status: string;
  readonly reason?: string;
  readonly message?: string;
}

interface Meta {
  readonly metadata?: { readonly name?: string; readonly generation?: number };
}

interface ObservedStatus {
  readonly conditions?: readonly Condition[];
  readonly observedGeneration?: number;
}

export interface KafkaObject extends Meta {
  readonly spec?: { readonly kafka?: { readonly version?: string } };
  readonly status?: ObservedStatus & { readonly kafkaVersion?: string; readonly kafkaMetadataVersion?: string };
}

export interface NodePoolObject extends Meta {
  readonly spec?: { readonly replicas?: number; readonly roles?: readonly string[] };
  readonly status?: ObservedStatus & {
    readonly replicas?: number;
    readonly nodeIds?: readonly number[];
    readonly roles?: readonly string[];
  };
}

export interface TopicObject extends Meta {
  readonly spec?: { readonly topicName?: string; readonly partitions?: number; readonly replicas?: number };
  readonly status?: ObservedStatus & { readonly topicName?: string };
}

export interface ScaledObjectObject extends Meta {
  readonly spec?: {
    readonly scaleTargetRef?: { readonly name?: string; readonly kind?: string };
    readonly minReplicaCount?: number;
    readonly maxReplicaCount?: number;
  };
  readonly status?: ObservedStatus & { readonly hpaName?: string };
}

export interface DeploymentObject extends Meta {
  readonly spec?: { readonly replicas?: number };
  readonly status?: { readonly replicas?: number; readonly readyReplicas?: number };
}

export interface HpaObject extends Meta {
  readonly status?: { readonly currentReplicas?: number; readonly desiredReplicas?: number };
}

/** One list call: its items, or why the API server did not return them. */
export type Listing<T> = { readonly ok: true; readonly items: readonly T[] } | { readonly ok: false; readonly error: string };

export interface ClusterSnapshot {
  readonly namespace: string;
  readonly context: string;
  readonly server: string;
  readonly kafkas: Listing<KafkaObject>;
  readonly nodePools: Listing<NodePoolObject>;
  readonly topics: Listing<TopicObject>;
  readonly scaledObjects: Listing<ScaledObjectObject>;
  readonly deployments: Listing<DeploymentObject>;
  readonly hpas: Listing<HpaObject>;
}

export function nameOf(o: Meta): string {
  return o.metadata?.name ?? '?';
}

export function conditionOf(o: { readonly status?: ObservedStatus }, type: string): Condition | undefined {
  return o.status?.conditions?.find((c) => c.type === type);
}

/** True when the operator has not yet reconciled the latest spec, so its conditions describe an older one. */
export function isStale(o: Meta & { readonly status?: ObservedStatus }): boolean {
  const observed = o.status?.observedGeneration;
  const generation = o.metadata?.generation;
  return observed !== undefined && generation !== undefined && observed < generation;
}
