/**
 * KEDA against real lag (issue 13): the real KEDA operator (v2.20.2, built by scripts/k8s/tools.sh)
 * runs out of cluster against the local kube-apiserver, the dev manifests are applied as rendered
 * (only the bootstrap address points at the local broker, and topics/group carry this test's random
 * prefix), and the test reads what KEDA itself reports: ScaledObject conditions, the HPA it creates,
 * and the lag it computes (`keda_scaler_metrics_value` on the operator's metrics endpoint: the value
 * the metrics apiserver would serve the HPA, which gets it from the operator over gRPC).
 */
import { join } from 'node:path';
import { type IsolatedTopology, isolatedTopology, randomName, requireEnv, waitFor } from '@medlives/testkit';
import { synthProfile } from '../../cdk8s/src/render';
import {
  REPO,
  documents,
  ensureApiServer,
  ensureKeda,
  ensureNamespace,
  kubectl,
  requireTools,
  run,
  stopKeda,
  succeeded,
  toYamlStream,
  toolEnv,
} from './local-apiserver';
import { TOOLS_WAIT_MS, waitForTools } from './tools-ready';

const METRICS_URL = `http://127.0.0.1:${process.env.MEDLIVES_KEDA_METRICS_PORT ?? 18080}/metrics`;
const timings: string[] = [];

type Obj = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string }; spec?: any; data?: Record<string, string> }; // eslint-disable-line @typescript-eslint/no-explicit-any
type Trigger = { type: string; metadata: Record<string, string> };
type Condition = { type: string; status: string; reason?: string; message?: string };

async function getJson<T>(args: string[]): Promise<T | undefined> {
  const result = await kubectl(['get', '-o', 'json', ...args]);
  return result.code === 0 ? (JSON.parse(result.stdout) as T) : undefined;
}

/** KEDA's own numbers: `keda_scaler_metrics_value` per trigger of one ScaledObject, by trigger index. */
async function kedaLag(namespace: string, scaledObject: string): Promise<Map<number, number>> {
  const text = await (await fetch(METRICS_URL)).text();
  const out = new Map<number, number>();
  for (const line of text.split('\n')) {
    if (!line.startsWith('keda_scaler_metrics_value{')) continue;
    const labels = Object.fromEntries([...line.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (labels.namespace === namespace && labels.scaledObject === scaledObject) out.set(Number(labels.triggerIndex), Number(line.split(' ').pop()));
  }
  return out;
}

describe('KEDA on real lag', () => {
  const namespace = randomName('keda');
  let kafka: IsolatedTopology;
  let startedKeda = false;
  let scaledObjects: Obj[] = [];
  /** Records the first test produced, per topic (the second consumes them all). */
  let recordsOn = new Map<string, number>();
  const started = Date.now();

  /** `medlives status -n <namespace>` under tsx, as the CLI runs; lag rows as group/topic -> lag. */
  async function opsLag(): Promise<{ lag: Map<string, number>; out: string }> {
    const script =
      "import { statusCommand } from './apps/ops/src/commands/status';" +
      "statusCommand(['-n', process.env.STATUS_NAMESPACE], { out: (l) => console.log(l) }).then((c) => { process.exitCode = c; });";
    const result = await run(join(REPO, 'node_modules/.bin/tsx'), ['-e', script], {
      env: toolEnv({ KAFKA_BROKERS: requireEnv('KAFKA_BROKERS'), TOPIC_PREFIX: kafka.prefix, STATUS_NAMESPACE: namespace }),
    });
    timings.push(`medlives status: ${result.ms} ms`);
    if (result.stderr) console.log(`medlives status stderr:\n${result.stderr}`);
    const lag = new Map<string, number>();
    for (const cells of result.stdout.split('\n').map((l) => l.split(/ {2,}/))) {
      if (cells.length >= 3 && cells[0]?.startsWith(kafka.prefix) && /^\d+$/.test(cells[2] ?? '')) lag.set(`${cells[0]}/${cells[1]}`, Number(cells[2]));
    }
    return { lag, out: result.stdout };
  }

  /** The CLI's lag for `keys` once it reports a number for each (a fresh topic can answer an error first). */
  async function opsLagFor(keys: readonly string[]): Promise<{ lag: Map<string, number>; out: string }> {
    let last = { lag: new Map<string, number>(), out: '' };
    try {
      return await waitFor('medlives status to report the lag of every topic', async () => {
        last = await opsLag();
        return keys.every((k) => last.lag.has(k)) && last;
      }, { timeoutMs: 90_000, intervalMs: 2_000 });
    } catch (error) {
      throw new Error(`${String(error)}\nlast medlives status output:\n${last.out}`);
    }
  }

  function conditions(so: Obj & { status?: { conditions?: Condition[] } }): Record<string, string> {
    return Object.fromEntries((so.status?.conditions ?? []).map((c) => [c.type, c.status]));
  }

  async function waitForCondition(name: string, type: string, status: string): Promise<void> {
    const t0 = Date.now();
    await waitFor(
      `ScaledObject ${name} ${type}=${status}`,
      async () => {
        const so = await getJson<Obj & { status?: { conditions?: Condition[] } }>(['-n', namespace, 'scaledobject', name]);
        return so && conditions(so)[type] === status;
      },
      { timeoutMs: 120_000, intervalMs: 1_000 },
    );
    timings.push(`${name} ${type}=${status}: ${Date.now() - t0} ms`);
  }

  const kafkaTriggers = (so: Obj): Trigger[] => (so.spec.triggers as Trigger[]).filter((t) => t.type === 'kafka');

  // CI builds the tools in the background; jest runs this suite last (test/sequencer.js).
  beforeAll(() => waitForTools(['etcd', 'kube-apiserver', 'kubectl', 'keda-operator']), TOOLS_WAIT_MS);

  beforeAll(async () => {
    requireTools(['etcd', 'kube-apiserver', 'kubectl', 'keda-operator']);
    await ensureApiServer();
    let t0 = Date.now();
    startedKeda = await ensureKeda(namespace);
    timings.push(`keda.sh up (${startedKeda ? 'started' : 'reused'}): ${Date.now() - t0} ms`);
    await ensureNamespace(namespace);
    kafka = await isolatedTopology('keda');

    // The dev manifests as rendered for this namespace; KEDA reaches the local broker, under our prefix.
    const brokers = requireEnv('KAFKA_BROKERS');
    const objects = [...synthProfile('dev', undefined, namespace).values()].flatMap((y) => documents(y)) as Obj[];
    for (const o of objects) {
      if (o.kind === 'ConfigMap' && o.data?.KAFKA_BROKERS) Object.assign(o.data, { KAFKA_BROKERS: brokers, TOPIC_PREFIX: kafka.prefix });
      if (o.kind !== 'ScaledObject') continue;
      for (const t of kafkaTriggers(o)) {
        expect(t.metadata.bootstrapServers).toBe(`medlives-kafka-bootstrap.${namespace}.svc:9092`);
        Object.assign(t.metadata, { bootstrapServers: brokers, topic: kafka.prefix + t.metadata.topic, consumerGroup: kafka.prefix + t.metadata.consumerGroup });
      }
    }
    scaledObjects = objects.filter((o) => o.kind === 'ScaledObject');
    expect(scaledObjects.length).toBeGreaterThan(0);
    // KEDA resolves the scale target's env and envFrom: the Secrets the dev profile does not create must exist.
    const secrets = ['medlives-api-keys:api-keys', 'medlives-encryption:encryption-keys'].map((s) => {
      const [name = '', key = ''] = s.split(':');
      return { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace }, stringData: { [key]: 'test' } };
    });
    t0 = Date.now();
    succeeded(await kubectl(['apply', '--server-side', '--field-manager=medlives-keda-test', '-f', '-'], toYamlStream([...secrets, ...objects])));
    timings.push(`apply ${objects.length} dev objects: ${Date.now() - t0} ms`);
  }, 600_000);

  afterAll(async () => {
    // KEDA would keep polling deleted topics; the namespace itself never finishes terminating
    // without kube-controller-manager (apiserver.sh down wipes etcd).
    await kubectl(['delete', 'scaledobject', '--all', '-n', namespace, '--wait=false']);
    await kafka?.cleanup();
    if (startedKeda) await stopKeda();
    console.log(`[keda check timings] total ${Date.now() - started} ms\n  ${timings.join('\n  ')}`);
  }, 120_000);

  it('when a group lags on real records, then KEDA reports Ready and Active, creates keda-hpa-<name> with one external metric per topic, and its lag equals medlives status', async () => {
    const producer = kafka.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    // Groups share topics (order-events feeds several), so a group's lag on a topic is every
    // record produced to it, whichever group's trigger made the test produce them.
    const perTopic = new Map<string, number>();
    for (const so of scaledObjects) {
      for (const [i, t] of kafkaTriggers(so).entries()) {
        const count = 7 * (i + 1);
        await producer.send({ topic: t.metadata.topic ?? '', messages: Array.from({ length: count }, (_v, n) => ({ key: `k${n}`, value: `lag-${n}` })) });
        perTopic.set(t.metadata.topic ?? '', (perTopic.get(t.metadata.topic ?? '') ?? 0) + count);
      }
    }
    await producer.disconnect();
    const produced = new Map<string, number>(scaledObjects.flatMap((so) => kafkaTriggers(so).map((t) => [`${t.metadata.consumerGroup}/${t.metadata.topic}`, perTopic.get(t.metadata.topic ?? '') ?? 0] as const)));
    recordsOn = perTopic;

    for (const so of scaledObjects) {
      await waitForCondition(so.metadata.name, 'Ready', 'True');
      await waitForCondition(so.metadata.name, 'Active', 'True');
      const hpa = await waitFor('keda-hpa', () => getJson<Obj>(['-n', namespace, 'hpa', `keda-hpa-${so.metadata.name}`]), { timeoutMs: 30_000, intervalMs: 1_000 });
      const metrics = (hpa.spec.metrics as { type: string; external?: { metric: { name: string } } }[]).map((m) => (m.type === 'External' ? m.external?.metric.name : m.type));
      const triggers = kafkaTriggers(so);
      expect(metrics).toHaveLength(triggers.length);
      triggers.forEach((t, i) => expect(metrics[i]).toMatch(new RegExp(`^s${i}-kafka-.*${(t.metadata.topic ?? '').replace(/\W/g, '.')}$`)));
      expect(hpa.spec.scaleTargetRef).toMatchObject({ kind: 'Deployment', name: so.spec.scaleTargetRef.name });
    }

    const keys = [...produced.keys()];
    const { lag: ops, out } = await opsLagFor(keys);
    for (const so of scaledObjects) {
      const keda = await waitFor('KEDA lag for every trigger', async () => {
        const m = await kedaLag(namespace, so.metadata.name);
        return kafkaTriggers(so).every((_t, i) => (m.get(i) ?? 0) > 0) && m;
      }, { timeoutMs: 60_000, intervalMs: 1_000 });
      kafkaTriggers(so).forEach((t, i) => {
        const key = `${t.metadata.consumerGroup}/${t.metadata.topic}`;
        // The status output rides along when the CLI reported no number for this topic.
        const report = ops.has(key) ? '' : out;
        expect({ key, keda: keda.get(i), ops: ops.get(key), report }).toEqual({ key, keda: produced.get(key), ops: produced.get(key), report: '' });
      });
      expect(out).toMatch(new RegExp(`ScaledObject +${so.metadata.name} +\\S+ +active=True`));
    }
  }, 300_000);

  it('when the lag is consumed and committed, then KEDA reports the lag as 0 and Active turns false', async () => {
    for (const so of scaledObjects) {
      const triggers = kafkaTriggers(so);
      const consumer = kafka.kafka.consumer({ groupId: triggers[0]?.metadata.consumerGroup ?? '' });
      await consumer.connect();
      await consumer.subscribe({ topics: triggers.map((t) => t.metadata.topic ?? ''), fromBeginning: true });
      let seen = 0;
      const total = triggers.reduce((n, t) => n + (recordsOn.get(t.metadata.topic ?? '') ?? 0), 0);
      await consumer.run({ autoCommitThreshold: 1, eachMessage: async () => void seen++ });
      await waitFor('every lagging record consumed', () => seen >= total, { timeoutMs: 60_000, intervalMs: 200 });
      await consumer.disconnect();

      await waitForCondition(so.metadata.name, 'Active', 'False');
      const keda = await kedaLag(namespace, so.metadata.name);
      triggers.forEach((_t, i) => expect({ trigger: i, lag: keda.get(i) }).toEqual({ trigger: i, lag: 0 }));
    }
    const topics = scaledObjects.flatMap((so) => kafkaTriggers(so).map((t) => `${t.metadata.consumerGroup}/${t.metadata.topic}`));
    const { lag: ops, out } = await opsLagFor(topics);
    expect({ lag: topics.map((k) => ops.get(k)), out }).toEqual({ lag: topics.map(() => 0), out });
  }, 300_000);
});
