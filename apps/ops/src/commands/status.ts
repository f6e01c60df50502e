/**
 * `medlives status [-n namespace]`: Kafka and its node pools, every KafkaTopic, every ScaledObject
 * with its replicas, and consumer lag per group read from Kafka itself.
 * Exit 0 when every resource is ready, 1 when one is not (lag is reported, never fails), 2 on bad usage.
 */
import { createKafka } from '@medlives/kafka';
import { KafkaEnv, kafkaConnection, parseConfig } from '@medlives/runtime';
import { CONSUMER_GROUPS } from '@medlives/topology';
import { type LagReport, readLag } from '../k8s/lag';
import { type StatusRow, assessCluster } from '../k8s/readiness';
import type { ClusterSnapshot } from '../k8s/resources';
import { renderTable } from '../k8s/table';

export { assessCluster, kafkaRow, nodePoolRow, scaledObjectRow, topicRow, type StatusRow } from '../k8s/readiness';
export { readLag, topicLag, type GroupLag, type LagReport, type TopicLag } from '../k8s/lag';
export type { ClusterSnapshot } from '../k8s/resources';
export { renderTable } from '../k8s/table';

export const STATUS_USAGE = 'usage: medlives status [-n|--namespace <namespace>]';

export interface StatusIo {
  out(line: string): void;
}

export interface StatusDeps {
  /** Kafka settings: KAFKA_BROKERS, TOPIC_PREFIX, KAFKA_SASL_*, KAFKA_SSL. @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** @default the @kubernetes/client-node reader, with the kubeconfig found the kubectl way */
  readonly readCluster?: (namespace: string | undefined) => Promise<ClusterSnapshot>;
}

export type StatusArgs = { readonly namespace?: string; readonly help: boolean } | { readonly error: string };

export function parseStatusArgs(args: readonly string[]): StatusArgs {
  let namespace: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    if (arg === '-h' || arg === '--help') return { help: true };
    const inline = /^(?:-n=?|--namespace=)(.+)$/.exec(arg)?.[1];
    if (inline) namespace = inline;
    else if (arg === '-n' || arg === '--namespace') {
      namespace = args[++i];
      if (!namespace || namespace.startsWith('-')) return { error: `${arg} needs a namespace` };
    } else return { error: `unknown argument: ${arg}` };
  }
  return namespace === undefined ? { help: false } : { namespace, help: false };
}

function lagSection(lag: LagReport, kafkaLabel: string): string[] {
  const title = `Consumer lag (Kafka ${kafkaLabel})`;
  if (!lag.reachable) return [`${title}: unreachable (${lag.error})`];
  const rows = lag.groups.flatMap((g) => {
    const topicRows = g.topics.map((t) => {
      if (t.lag === undefined) return [g.group, t.topic, 'error', t.error ?? ''];
      const uncommitted = t.uncommitted ? ` (${t.uncommitted} never committed)` : '';
      return [g.group, t.topic, String(t.lag), `${t.partitions} partitions${uncommitted}`];
    });
    const total = g.topics.reduce((sum, t) => sum + (t.lag ?? 0), 0);
    return g.topics.length > 1 ? [...topicRows, [g.group, '(total)', String(total), '']] : topicRows;
  });
  return [`${title}:`, ...renderTable(['GROUP', 'TOPIC', 'LAG', 'DETAIL'], rows)];
}

/** The whole report, top to bottom; the last line says what is not ready. */
export function renderStatus(snapshot: ClusterSnapshot, rows: readonly StatusRow[], lag: LagReport, kafkaLabel: string): string[] {
  const table = renderTable(
    ['KIND', 'NAME', 'READY', 'DETAIL'],
    rows.map((r) => [r.kind, r.name, r.ready ? 'yes' : 'NO', r.detail]),
  );
  const notReady = rows.filter((r) => !r.ready);
  const verdict = notReady.length
    ? `NOT READY: ${notReady.length} of ${rows.length}: ${notReady.map((r) => `${r.kind}/${r.name}`).join(', ')}`
    : `READY: all ${rows.length} resources`;
  return [
    `Namespace ${snapshot.namespace} on ${snapshot.server} (context ${snapshot.context})`,
    '',
    ...table,
    '',
    ...lagSection(lag, kafkaLabel),
    '',
    verdict,
  ];
}

interface KafkaTriggers {
  readonly spec?: { readonly triggers?: readonly { readonly type?: string; readonly metadata?: Record<string, string> }[] };
}

/**
 * KEDA's operator runs in its own namespace and resolves a trigger's bootstrap address there: a
 * short Service name (no `.<namespace>.svc`) can never reach the broker, so that ScaledObject cannot
 * scale however Ready KEDA reports it.
 */
export function checkKedaAddresses(snapshot: ClusterSnapshot, rows: readonly StatusRow[]): StatusRow[] {
  if (!snapshot.scaledObjects.ok) return [...rows];
  const shortNames = new Map<string, string>();
  for (const so of snapshot.scaledObjects.items) {
    const triggers = (so as KafkaTriggers).spec?.triggers ?? [];
    const short = triggers
      .filter((t) => t.type === 'kafka')
      .flatMap((t) => (t.metadata?.bootstrapServers ?? '').split(','))
      .find((b) => b && !(b.split(':')[0] ?? '').includes('.'));
    if (short) shortNames.set(so.metadata?.name ?? '?', short);
  }
  return rows.map((r) => {
    const short = r.kind === 'ScaledObject' ? shortNames.get(r.name) : undefined;
    if (!short) return r;
    return { ...r, ready: false, detail: `${r.detail}; bootstrapServers ${short} is not namespace-qualified: KEDA resolves it in its own namespace` };
  });
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export async function statusCommand(args: string[], io: StatusIo, deps: StatusDeps = {}): Promise<number> {
  const parsed = parseStatusArgs(args);
  if ('error' in parsed) {
    io.out(parsed.error);
    io.out(STATUS_USAGE);
    return 2;
  }
  if (parsed.help) {
    io.out(STATUS_USAGE);
    return 0;
  }
  let env: KafkaEnv;
  try {
    env = parseConfig(KafkaEnv, deps.env ?? process.env);
  } catch (error) {
    io.out(message(error));
    return 2;
  }
  // client-node is ESM-only: loaded on use, so the pure pieces above load where ESM cannot be required.
  const readCluster = deps.readCluster ?? (async (ns) => (await import('../k8s/cluster')).readCluster(ns));
  const connection = { ...kafkaConnection(env, 'medlives-status'), connectionTimeoutMs: 3_000, requestTimeoutMs: 10_000 };
  const groups = Object.values(CONSUMER_GROUPS).filter((g) => g.available);
  const [snapshot, lag] = await Promise.all([
    readCluster(parsed.namespace).catch((error: unknown) => error instanceof Error ? error : new Error(String(error))),
    // A few retries: a loaded broker can drop a fresh admin connection ("Broker not connected").
    readLag(createKafka(connection, { retries: 3 }), groups, env.TOPIC_PREFIX),
  ]);
  if (snapshot instanceof Error) {
    io.out(`cannot read the cluster: ${snapshot.message}`);
    return 1;
  }
  const rows = checkKedaAddresses(snapshot, assessCluster(snapshot));
  const prefix = env.TOPIC_PREFIX ? `, prefix ${env.TOPIC_PREFIX}` : '';
  const tls = connection.ssl ? ', TLS' : '';
  for (const line of renderStatus(snapshot, rows, lag, `${connection.brokers.join(',')}${tls}${prefix}`)) io.out(line);
  return rows.every((r) => r.ready) ? 0 : 1;
}
