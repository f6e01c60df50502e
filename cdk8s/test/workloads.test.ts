import { PRODUCER_API, WORKER_HTTP_PORT, deployables, resolveGroupId, type ProfileName } from '@medlives/topology';
import { CommonEnv, KafkaEnv } from '@medlives/runtime';
import { Testing } from 'cdk8s';
import { ConsumerWorker } from '../src/consumer-worker';
import { CONFIG_MAP, KAFKA_PORT, KAFKA_TLS_PORT, MONGODB, MONGO_PORT, bootstrapServers } from '../src/names';
import { defaultValues } from '../src/values';
import { named, ofKind, podTemplates, synth, type Manifest } from './support';

const workers = deployables().filter((d) => d.group);

describe.each<ProfileName>(['dev', 'prod'])('workloads in the %s profile', (profile) => {
  const objs = synth(profile);
  // prod clients use the TLS listener (kafka-cluster.test.ts).
  const kafkaPort = profile === 'prod' ? KAFKA_TLS_PORT : KAFKA_PORT;

  it('when any pod runs, then every container is non-root, read-only, unprivileged, probed and bounded', () => {
    const pods = podTemplates(objs);
    expect(pods.length).toBeGreaterThanOrEqual(deployables().length + 1);
    for (const { name, spec } of pods) {
      expect({ name, nonRoot: spec.securityContext.runAsNonRoot }).toEqual({ name, nonRoot: true });
      expect(spec.securityContext.runAsUser).toBeGreaterThan(0);
      expect(spec.automountServiceAccountToken).toBe(false);
      for (const c of spec.containers) {
        expect({ name, sc: c.securityContext }).toEqual({
          name,
          sc: expect.objectContaining({
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
            runAsNonRoot: true,
            privileged: false,
            capabilities: { drop: ['ALL'] },
          }),
        });
        expect(c.livenessProbe).toBeDefined();
        expect(c.readinessProbe).toBeDefined();
        expect(Object.keys(c.resources.requests).sort()).toEqual(['cpu', 'memory']);
        expect(Object.keys(c.resources.limits).sort()).toEqual(['cpu', 'memory']);
        expect(c.volumeMounts).toContainEqual({ name: 'tmp', mountPath: '/tmp' });
      }
    }
  });

  it('when a KEDA ScaledObject targets a Deployment, then that Deployment has no replicas field', () => {
    const scaled = ofKind(objs, 'ScaledObject').map((s) => s.spec.scaleTargetRef.name);
    expect(scaled.sort()).toEqual(workers.map((d) => d.app).sort());
    for (const name of scaled) expect(named(objs, 'Deployment', name).spec).not.toHaveProperty('replicas');
    expect(named(objs, 'Deployment', PRODUCER_API.app).spec.replicas).toBe(defaultValues(profile).producerApi.replicas);
  });

  it.each(workers.map((d) => [d.app, d] as const))('when %s scales, then 1 <= min <= max <= partitions, one kafka trigger per topic', (app, d) => {
    const group = d.group;
    if (!group) throw new Error('not a worker');
    const so = named(objs, 'ScaledObject', app).spec;
    const partitions = Math.max(...group.topics.map((t) => t.partitions));
    expect(so.minReplicaCount).toBeGreaterThanOrEqual(1);
    expect(so.minReplicaCount).toBeLessThanOrEqual(so.maxReplicaCount);
    expect(so.maxReplicaCount).toBe(group.maxReplicas);
    expect(so.maxReplicaCount).toBeLessThanOrEqual(partitions);
    expect(so.advanced.horizontalPodAutoscalerConfig.behavior.scaleDown.stabilizationWindowSeconds).toBeGreaterThanOrEqual(300);
    // prod adds the sink guard's prometheus trigger (keda-scaling.test.ts); lag triggers are the kafka ones.
    const lagTriggers = so.triggers.filter((t: { type: string }) => t.type === 'kafka');
    expect(lagTriggers.map((t: { metadata: { topic: string } }) => t.metadata.topic)).toEqual(group.topics.map((t) => t.name));
    for (const t of lagTriggers) {
      expect(t.metadata).toMatchObject({
        bootstrapServers: bootstrapServers(undefined, undefined, kafkaPort),
        consumerGroup: resolveGroupId(group),
        lagThreshold: String(group.lagThreshold),
        offsetResetPolicy: 'earliest',
        allowIdleConsumers: 'false',
      });
      if (profile === 'prod') {
        expect(t.metadata).toMatchObject({ sasl: 'scram_sha512', tls: 'enable' });
        expect(t.authenticationRef).toEqual({ name: app });
      } else {
        expect(t.authenticationRef).toBeUndefined();
      }
    }
  });

  it('when an app starts, then it runs its own entry point with the platform config and secret references', () => {
    for (const d of deployables()) {
      const c = named(objs, 'Deployment', d.app).spec.template.spec.containers[0];
      expect(c.command).toEqual(['node', `dist/${d.app}/main.js`]);
      expect(c.workingDir).toBe('/app');
      expect(c.ports).toEqual([{ name: 'http', containerPort: d.httpPort, protocol: 'TCP' }]);
      expect(c.envFrom).toEqual([{ configMapRef: { name: CONFIG_MAP } }]);
      const env = Object.fromEntries(c.env.map((e: { name: string; value?: string; valueFrom?: unknown }) => [e.name, e.value ?? e.valueFrom]));
      expect(env.KAFKA_CLIENT_ID).toBe(d.app);
      expect(env.MONGO_URL).toEqual({ secretKeyRef: { name: defaultValues(profile).secrets.mongoUri, key: 'uri' } });
      if (profile === 'prod') {
        expect(env).toMatchObject({ KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_USERNAME: d.app });
        expect(env.KAFKA_SASL_PASSWORD).toEqual({ secretKeyRef: { name: d.app, key: 'password' } });
      } else {
        expect(env.KAFKA_SASL_USERNAME).toBeUndefined();
      }
    }
    const api = named(objs, 'Deployment', PRODUCER_API.app).spec.template.spec;
    expect(api.containers[0].env).toContainEqual({ name: 'API_KEYS_FILE', value: '/etc/medlives/api-keys/api-keys' });
    expect(api.volumes).toContainEqual(expect.objectContaining({ secret: expect.objectContaining({ secretName: defaultValues(profile).secrets.apiKeys }) }));
    const config = named(objs, 'ConfigMap', CONFIG_MAP).data ?? {};
    expect(config).toMatchObject({ KAFKA_BROKERS: bootstrapServers(undefined, undefined, kafkaPort), TOPIC_PREFIX: '' });
  });

  it('when NetworkPolicies apply, then each app reaches only DNS, Kafka on its client port and MongoDB on 27017', () => {
    for (const d of deployables()) {
      const np = named(objs, 'NetworkPolicy', d.app).spec;
      expect(np.policyTypes).toEqual(['Ingress', 'Egress']);
      expect(np.ingress).toEqual([{ ports: [{ protocol: 'TCP', port: d.httpPort }] }]);
      const ports = np.egress.flatMap((r: { ports: { port: number }[] }) => r.ports.map((p) => p.port));
      expect(ports.sort()).toEqual([53, 53, kafkaPort, MONGO_PORT].sort());
    }
  });

  it('when a workload has a PodDisruptionBudget, then it never blocks a drain of a single replica', () => {
    for (const pdb of ofKind(objs, 'PodDisruptionBudget')) expect(pdb.spec.maxUnavailable).toBe(1);
    expect(ofKind(objs, 'PodDisruptionBudget').length).toBe(podTemplates(objs).length);
  });
});

describe('profiles differ where they must', () => {
  it('when dev, then MongoDB runs in-cluster and its URI Secret holds no credentials', () => {
    const dev = synth('dev');
    expect(named(dev, 'StatefulSet', MONGODB).spec.template.spec.containers[0].image).toMatch(/^mongo:7/);
    const uri = named(dev, 'Secret', defaultValues('dev').secrets.mongoUri).stringData?.uri ?? '';
    expect(uri).toBe(`mongodb://${MONGODB}:${MONGO_PORT}/medlives`);
    expect(uri).not.toContain('@');
  });

  it('when prod, then no MongoDB or Secret is rendered and every Deployment spreads across zones and nodes', () => {
    const prod = synth('prod');
    expect(ofKind(prod, 'StatefulSet')).toEqual([]);
    expect(ofKind(prod, 'Secret')).toEqual([]);
    for (const { name, spec } of podTemplates(prod).filter((p) => !p.name.endsWith('kafka-ui'))) {
      expect({ name, keys: spec.topologySpreadConstraints?.map((t: { topologyKey: string }) => t.topologyKey) }).toEqual({
        name,
        keys: ['topology.kubernetes.io/zone', 'kubernetes.io/hostname'],
      });
    }
  });

  it('when the Kafka UI is disabled, then none of its objects are rendered', () => {
    const values = { ...defaultValues('dev'), kafkaUi: { ...defaultValues('dev').kafkaUi, enabled: false } };
    expect(synth('dev', values).filter((m: Manifest) => m.metadata.name === 'kafka-ui')).toEqual([]);
  });
});

describe('ConsumerWorker construct', () => {
  it('when given a deployable without a consumer group, then it refuses', () => {
    const chart = Testing.chart();
    expect(
      () =>
        new ConsumerWorker(chart, 'w', {
          deployable: PRODUCER_API,
          image: 'i',
          imagePullPolicy: 'Never',
          resources: defaultValues('dev').producerApi.resources,
          env: [],
          bootstrapServers: bootstrapServers(),
          scaling: { minReplicas: 1, maxReplicas: 1, lagThreshold: 1 },
          egress: [],
        }),
    ).toThrow(/not a consumer worker/);
  });

  it('when the worker port is derived, then the Service exposes the topology worker port', () => {
    const [worker] = workers;
    if (!worker) return;
    expect(named(synth('dev'), 'Service', worker.app).spec.ports).toEqual([
      { name: 'http', port: WORKER_HTTP_PORT, targetPort: 'http', protocol: 'TCP' },
    ]);
  });
});

describe('platform ConfigMap', () => {
  it.each<ProfileName>(['dev', 'prod'])('when %s apps load it with envFrom, then every key is one the apps\' config schemas read', (profile) => {
    const read = new Set([...Object.keys(KafkaEnv.shape), ...Object.keys(CommonEnv.shape)]);
    const keys = Object.keys(named(synth(profile), 'ConfigMap', CONFIG_MAP).data ?? {});
    expect(keys.length).toBeGreaterThan(0);
    expect(keys.filter((k) => !read.has(k))).toEqual([]);
  });
});
