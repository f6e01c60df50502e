import {
  type ClusterSnapshot,
  type Condition,
  type DeploymentObject,
  type HpaObject,
  type KafkaObject,
  type Listing,
  type NodePoolObject,
  type ScaledObjectObject,
  type TopicObject,
  conditionOf,
  isStale,
  nameOf,
} from './resources';

export interface StatusRow {
  readonly kind: string;
  readonly name: string;
  readonly ready: boolean;
  readonly detail: string;
}

type Observed = KafkaObject | NodePoolObject | TopicObject | ScaledObjectObject;

function describe(c: Condition): string {
  return [c.reason, c.message].filter(Boolean).join(': ') || `${c.type}=${c.status}`;
}

/** Why a Strimzi/KEDA object is not ready; Strimzi reports progress as a `NotReady=True` condition. */
function notReadyReason(o: Observed): string {
  if (!o.status) return 'no status yet (is the operator running?)';
  if (isStale(o)) return `status is for generation ${o.status.observedGeneration}, spec is at ${o.metadata?.generation}`;
  const ready = conditionOf(o, 'Ready');
  if (ready && ready.status !== 'True') return describe(ready);
  const failing = o.status.conditions?.find((c) => c.type !== 'Ready' && c.type !== 'Warning' && c.status === 'True');
  return failing ? describe(failing) : 'no Ready condition';
}

function warnings(o: Observed): string {
  const found = o.status?.conditions?.filter((c) => c.type === 'Warning') ?? [];
  return found.length ? `; ${found.length} warning(s): ${found.map(describe).join('; ')}` : '';
}

function conditionReady(o: Observed): boolean {
  return conditionOf(o, 'Ready')?.status === 'True' && !isStale(o);
}

export function kafkaRow(k: KafkaObject): StatusRow {
  const ready = conditionReady(k);
  const version = k.status?.kafkaVersion ?? k.spec?.kafka?.version ?? '?';
  const metadata = k.status?.kafkaMetadataVersion ? `, metadata ${k.status.kafkaMetadataVersion}` : '';
  return { kind: 'Kafka', name: nameOf(k), ready, detail: (ready ? `Kafka ${version}${metadata}` : notReadyReason(k)) + warnings(k) };
}

/**
 * Strimzi gives node pools no Ready condition (only warnings), so a pool is ready when the operator
 * has observed its spec and assigned every replica a node ID; an explicit Ready condition still wins.
 */
export function nodePoolRow(p: NodePoolObject): StatusRow {
  const wanted = p.spec?.replicas;
  const assigned = p.status?.nodeIds?.length ?? p.status?.replicas;
  const explicit = conditionOf(p, 'Ready');
  const ready = explicit ? conditionReady(p) : p.status !== undefined && !isStale(p) && assigned === wanted;
  const roles = (p.status?.roles ?? p.spec?.roles ?? []).join(',');
  const nodes = `${assigned ?? 0}/${wanted ?? '?'} nodes${p.status?.nodeIds ? ` [${p.status.nodeIds.join(',')}]` : ''}, roles ${roles}`;
  let detail = nodes;
  if (!ready) detail = explicit || !p.status || isStale(p) ? notReadyReason(p) : `${nodes}: not every replica has a node ID yet`;
  return { kind: 'KafkaNodePool', name: nameOf(p), ready, detail: detail + warnings(p) };
}

export function topicRow(t: TopicObject): StatusRow {
  const ready = conditionReady(t);
  const topicName = t.status?.topicName ?? t.spec?.topicName;
  const renamed = topicName && topicName !== nameOf(t) ? ` as ${topicName}` : '';
  const shape = `${t.spec?.partitions ?? '?'} partitions, RF ${t.spec?.replicas ?? '?'}${renamed}`;
  return { kind: 'KafkaTopic', name: nameOf(t), ready, detail: (ready ? shape : notReadyReason(t)) + warnings(t) };
}

/** Replicas come from KEDA's HPA (desired) and the Deployment (ready pods); both must agree for "ready". */
export function scaledObjectRow(
  so: ScaledObjectObject,
  deployments: readonly DeploymentObject[],
  hpas: readonly HpaObject[],
): StatusRow {
  const name = nameOf(so);
  const target = so.spec?.scaleTargetRef?.name ?? name;
  const deployment = deployments.find((d) => nameOf(d) === target);
  const hpa = hpas.find((h) => nameOf(h) === (so.status?.hpaName ?? `keda-hpa-${name}`));
  const desired = hpa?.status?.desiredReplicas ?? deployment?.spec?.replicas;
  const current = deployment?.status?.readyReplicas ?? 0;
  const problems: string[] = [];
  if (!conditionReady(so)) problems.push(notReadyReason(so));
  if (conditionOf(so, 'Paused')?.status === 'True') problems.push('paused');
  if (!deployment) problems.push(`Deployment ${target} not found`);
  else if (desired !== undefined && current < desired) problems.push(`${current} of ${desired} replicas ready`);
  const active = conditionOf(so, 'Active')?.status ?? 'Unknown';
  const bounds = `min ${so.spec?.minReplicaCount ?? '?'}, max ${so.spec?.maxReplicaCount ?? '?'}`;
  const summary = `active=${active}, replicas ${current}/${desired ?? '?'} (${bounds})`;
  return {
    kind: 'ScaledObject',
    name,
    ready: problems.length === 0,
    detail: [summary, ...problems].join('; ') + warnings(so),
  };
}

function rowsOf<T extends Parameters<typeof nameOf>[0]>(kind: string, listing: Listing<T>, row: (item: T) => StatusRow, required: boolean): StatusRow[] {
  if (!listing.ok) return [{ kind, name: '*', ready: false, detail: listing.error }];
  if (listing.items.length === 0) {
    return required ? [{ kind, name: '*', ready: false, detail: 'none in this namespace' }] : [];
  }
  return [...listing.items].sort((a, b) => nameOf(a).localeCompare(nameOf(b))).map(row);
}

/** One row per Kafka, node pool, topic and ScaledObject; a namespace without Kafka, pools or topics is not ready. */
export function assessCluster(s: ClusterSnapshot): StatusRow[] {
  const deployments = s.deployments.ok ? s.deployments.items : [];
  const hpas = s.hpas.ok ? s.hpas.items : [];
  const workloadErrors = [s.deployments, s.hpas].flatMap((l) =>
    l.ok ? [] : [{ kind: 'Deployment/HPA', name: '*', ready: false, detail: l.error }],
  );
  return [
    ...rowsOf('Kafka', s.kafkas, kafkaRow, true),
    ...rowsOf('KafkaNodePool', s.nodePools, nodePoolRow, true),
    ...rowsOf('KafkaTopic', s.topics, topicRow, true),
    ...rowsOf('ScaledObject', s.scaledObjects, (so) => scaledObjectRow(so, deployments, hpas), false),
    ...workloadErrors,
  ];
}
