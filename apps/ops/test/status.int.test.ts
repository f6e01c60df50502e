/**
 * `medlives status` against the local kube-apiserver and the real Kafka. The Kafka, node pool,
 * topics, ScaledObject and Deployments are the k8s/dev manifests, really applied; no operator runs
 * there, so the test writes their `status` subresource the way Strimzi, KEDA and the HPA would.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONSUMER_GROUPS, TOPICS, resolveGroupId, resolveTopicName } from '@medlives/topology';
import { type IsolatedTopology, isolatedTopology, randomName, requireEnv } from '@medlives/testkit';
import {
  REPO,
  documents,
  ensureApiServer,
  ensureNamespace,
  kubectl,
  run,
  succeeded,
  toYamlStream,
  toolEnv,
} from '../../../test/k8s/local-apiserver';
import { TOOLS_WAIT_MS, waitForTools } from '../../../test/k8s/tools-ready';

const KINDS = ['Kafka', 'KafkaNodePool', 'KafkaTopic', 'ScaledObject', 'Deployment'];
const group = CONSUMER_GROUPS.orderPersistence;
type Manifest = { apiVersion: string; kind: string; metadata: { name: string } };

const manifests = (['kafka', 'topics', 'apps'] as const)
  .flatMap((f) => documents(readFileSync(join(REPO, 'k8s/dev', `${f}.yaml`), 'utf8')))
  .filter((d) => KINDS.includes(String(d.kind)))
  // One group's ScaledObject: the statuses below are written for it alone.
  .filter((d) => d.kind !== 'ScaledObject' || (d.metadata as { name?: string }).name === group.app)
  // Applied into a random namespace: drop the one k8s/dev names (its KEDA address is not used here).
  .map((d) => ({ ...d, metadata: { ...(d.metadata as object), namespace: undefined } })) as unknown as Manifest[];
const topics = manifests.filter((m) => m.kind === 'KafkaTopic').map((m) => m.metadata.name);
const scaledObject = manifests.find((m) => m.kind === 'ScaledObject')!.metadata.name;
const hpaName = `keda-hpa-${scaledObject}`;

const ready = { type: 'Ready', status: 'True', lastTransitionTime: '2026-01-01T00:00:00Z' };
// KEDA's condition schema has no lastTransitionTime: the API server rejects Strimzi-shaped ones.
const kedaReady = { type: 'Ready', status: 'True', reason: 'ScaledObjectReady' };

/** Status documents for server-side apply on the status subresource, as the operators would write them. */
function statuses(overrides: Record<string, object> = {}): object[] {
  const status = (m: Manifest): object => {
    switch (m.kind) {
      case 'Kafka':
        return { observedGeneration: 1, kafkaVersion: '4.2.1', kafkaMetadataVersion: '4.2-IV1', conditions: [ready] };
      case 'KafkaNodePool':
        return { observedGeneration: 1, replicas: 1, nodeIds: [0], roles: ['broker', 'controller'] };
      case 'KafkaTopic':
        return { observedGeneration: 1, topicName: m.metadata.name, conditions: [ready] };
      case 'ScaledObject':
        return { hpaName, conditions: [kedaReady, { type: 'Active', status: 'True' }, { type: 'Fallback', status: 'False' }] };
      case 'HorizontalPodAutoscaler':
        return { currentReplicas: 2, desiredReplicas: 2 };
      default:
        return { observedGeneration: 1, replicas: 2, readyReplicas: 2, availableReplicas: 2, updatedReplicas: 2 };
    }
  };
  const hpa: Manifest = { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: hpaName } };
  return [...manifests, hpa].map((m) => ({
    apiVersion: m.apiVersion,
    kind: m.kind,
    metadata: { name: m.metadata.name },
    status: overrides[`${m.kind}/${m.metadata.name}`] ?? status(m),
  }));
}

describe('medlives status', () => {
  const namespace = randomName('status');
  let kafka: IsolatedTopology;

  async function setStatuses(overrides?: Record<string, object>): Promise<void> {
    const args = ['apply', '--server-side', '--subresource=status', '--field-manager=medlives-status-test', '-n', namespace, '-f', '-'];
    succeeded(await kubectl(args, toYamlStream(statuses(overrides))));
  }

  /**
   * Runs statusCommand under tsx, as the CLI runs: @kubernetes/client-node is ESM-only, which jest
   * on Node 20 cannot require without a transform for it in jest.config.js.
   */
  async function status(env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; out: string; stderr: string }> {
    const script =
      "import { statusCommand } from './apps/ops/src/commands/status';" +
      "statusCommand(['-n', process.env.STATUS_NAMESPACE], { out: (l) => console.log(l) }).then((c) => { process.exitCode = c; });";
    const result = await run(join(REPO, 'node_modules/.bin/tsx'), ['-e', script], {
      env: toolEnv({ KAFKA_BROKERS: requireEnv('KAFKA_BROKERS'), TOPIC_PREFIX: kafka.prefix, STATUS_NAMESPACE: namespace, ...env }),
    });
    return { code: result.code, out: result.stdout, stderr: result.stderr };
  }

  /** The cells of the table row for kind/name, split on the two-space column gaps. */
  function row(out: string, kind: string, name: string): string[] | undefined {
    return out
      .split('\n')
      .map((l) => l.split(/ {2,}/))
      .find((cells) => cells[0] === kind && cells[1] === name);
  }

  // CI builds the tools in the background; jest runs this suite last (test/sequencer.js).
  beforeAll(() => waitForTools(['etcd', 'kube-apiserver', 'kubectl']), TOOLS_WAIT_MS);

  beforeAll(async () => {
    await ensureApiServer();
    await ensureNamespace(namespace);
    const hpa = {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: hpaName },
      spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: scaledObject }, minReplicas: 1, maxReplicas: 6 },
    };
    succeeded(await kubectl(['apply', '--server-side', '-n', namespace, '-f', '-'], toYamlStream([...manifests, hpa])));

    // Known lag: order-events p0 has 5 records with 2 committed, p1 3 with 3 committed;
    // status-updates has 2 records and no commit at all, which counts from the low watermark.
    kafka = await isolatedTopology('status');
    const orderEvents = resolveTopicName(TOPICS.orderEvents, kafka.prefix);
    // Idempotent: a retry while the fresh partitions elect leaders would otherwise append duplicates.
    const producer = kafka.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    await producer.send({
      topic: orderEvents,
      messages: [0, 0, 0, 0, 0, 1, 1, 1].map((partition, i) => ({ partition, value: `order-${i}` })),
    });
    await producer.send({
      topic: resolveTopicName(TOPICS.statusUpdates, kafka.prefix),
      messages: [0, 1].map((partition) => ({ partition, value: 'status' })),
    });
    await producer.disconnect();
    await kafka.admin.setOffsets({
      groupId: resolveGroupId(group, kafka.prefix),
      topic: orderEvents,
      partitions: [
        { partition: 0, offset: '2' },
        { partition: 1, offset: '3' },
      ],
    });
  }, 180_000);

  // The namespace stays: without kube-controller-manager it could never finish terminating;
  // `scripts/k8s/apiserver.sh down` wipes etcd.
  afterAll(() => kafka?.cleanup());

  it('when Kafka, its node pool, every topic and the ScaledObject are ready, then it prints them with the lag and exits 0', async () => {
    await setStatuses();
    const { code, out, stderr } = await status();
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(row(out, 'Kafka', 'medlives')).toEqual(['Kafka', 'medlives', 'yes', 'Kafka 4.2.1, metadata 4.2-IV1']);
    expect(row(out, 'KafkaNodePool', 'dual-role')).toEqual(['KafkaNodePool', 'dual-role', 'yes', '1/1 nodes [0], roles broker,controller']);
    for (const topic of topics) expect(row(out, 'KafkaTopic', topic)?.[2]).toBe('yes');
    expect(row(out, 'ScaledObject', scaledObject)).toEqual([
      'ScaledObject',
      scaledObject,
      'yes',
      `active=True, replicas 2/2 (min ${group.minReplicas}, max ${group.maxReplicas})`,
    ]);

    const groupId = resolveGroupId(group, kafka.prefix);
    expect(row(out, groupId, resolveTopicName(TOPICS.orderEvents, kafka.prefix))).toEqual([
      groupId,
      resolveTopicName(TOPICS.orderEvents, kafka.prefix),
      '3',
      `${TOPICS.orderEvents.partitions} partitions (${TOPICS.orderEvents.partitions - 2} never committed)`,
    ]);
    expect(row(out, groupId, resolveTopicName(TOPICS.statusUpdates, kafka.prefix))?.[2]).toBe('2');
    expect(row(out, groupId, '(total)')?.[2]).toBe('5');
    expect(out).toContain(`READY: all ${topics.length + 3} resources`);
  });

  it('when a KafkaTopic is not ready, then it names the topic with the operator message and exits 1', async () => {
    const broken = { type: 'Ready', status: 'False', reason: 'KafkaError', message: 'Replication factor: 3 larger than available brokers: 1' };
    await setStatuses({ [`KafkaTopic/${TOPICS.statusUpdates.name}`]: { observedGeneration: 1, conditions: [broken] } });
    const { code, out } = await status();
    expect(code).toBe(1);
    expect(row(out, 'KafkaTopic', TOPICS.statusUpdates.name)).toEqual([
      'KafkaTopic',
      TOPICS.statusUpdates.name,
      'NO',
      'KafkaError: Replication factor: 3 larger than available brokers: 1',
    ]);
    expect(row(out, 'KafkaTopic', TOPICS.orderEvents.name)?.[2]).toBe('yes');
    expect(out).toContain(`NOT READY: 1 of ${topics.length + 3}: KafkaTopic/${TOPICS.statusUpdates.name}`);
  });

  it('when the ScaledObject has fewer ready replicas than KEDA wants, then it is not ready', async () => {
    await setStatuses({ [`HorizontalPodAutoscaler/${hpaName}`]: { currentReplicas: 2, desiredReplicas: 4 } });
    const { code, out } = await status();
    expect(code).toBe(1);
    expect(row(out, 'ScaledObject', scaledObject)?.slice(2)).toEqual([
      'NO',
      `active=True, replicas 2/4 (min ${group.minReplicas}, max ${group.maxReplicas}); 2 of 4 replicas ready`,
    ]);
  });

  it('when Kafka is unreachable, then the lag says so and the resources still decide the exit code', async () => {
    await setStatuses();
    const { code, out } = await status({ KAFKA_BROKERS: '127.0.0.1:1' });
    expect(out).toMatch(/^Consumer lag \(Kafka 127\.0\.0\.1:1, prefix .+\): unreachable \(.*ECONNREFUSED.*\)$/m);
    expect(code).toBe(0);
  });
});
