import { API_WATCH_GROUP_PREFIX, CONSUMER_GROUPS, PRODUCER_API, TOPICS, deployables } from '@medlives/topology';
import { KAFKA_METADATA_VERSION, KAFKA_VERSION, STRIMZI_DEFAULT_METRICS_ALLOW_LIST } from '../src/kafka-cluster';
import { KAFKA_CLUSTER, KAFKA_UI } from '../src/names';
import { named, ofKind, synth } from './support';

describe('KafkaCluster', () => {
  const dev = synth('dev');
  const prod = synth('prod');

  it('when dev, then one dual-role ephemeral node carries RF 1 in KRaft mode', () => {
    const pools = ofKind(dev, 'KafkaNodePool');
    expect(pools).toHaveLength(1);
    expect(pools[0]?.spec).toMatchObject({
      replicas: 1,
      roles: ['controller', 'broker'],
      storage: { type: 'jbod', volumes: [{ id: 0, type: 'ephemeral', kraftMetadata: 'shared' }] },
    });
    const kafka = named(dev, 'Kafka', KAFKA_CLUSTER).spec.kafka;
    expect(kafka.config).toMatchObject({ 'default.replication.factor': 1, 'min.insync.replicas': 1 });
    expect(kafka.listeners).toEqual([{ name: 'plain', port: 9092, type: 'internal', tls: false }]);
    expect(kafka.rack).toBeUndefined();
    // `tilt down` deletes the operator with the topics: a finalizer nobody removes would hang the namespace.
    expect(named(dev, 'Kafka', KAFKA_CLUSTER).spec.entityOperator).toEqual({
      topicOperator: {},
      template: { topicOperatorContainer: { env: [{ name: 'STRIMZI_USE_FINALIZERS', value: 'false' }] } },
    });
  });

  it('when prod, then 3 controllers and 3 brokers on persistent JBOD with RF 3 and min ISR 2', () => {
    const pools = ofKind(prod, 'KafkaNodePool');
    expect(pools.map((p) => [p.metadata.name, p.spec.replicas, p.spec.roles])).toEqual([
      ['controller', 3, ['controller']],
      ['broker', 3, ['broker']],
    ]);
    for (const pool of pools) {
      expect(pool.metadata.labels).toEqual({ 'strimzi.io/cluster': KAFKA_CLUSTER });
      expect(pool.spec.storage).toMatchObject({ type: 'jbod', volumes: [{ type: 'persistent-claim', deleteClaim: false, kraftMetadata: 'shared' }] });
      expect(pool.spec.template.pod.topologySpreadConstraints).toHaveLength(2);
    }
    const kafka = named(prod, 'Kafka', KAFKA_CLUSTER).spec;
    expect(kafka.kafka.config).toEqual({
      'auto.create.topics.enable': false,
      'default.replication.factor': 3,
      'min.insync.replicas': 2,
      'offsets.topic.replication.factor': 3,
      'transaction.state.log.replication.factor': 3,
      'transaction.state.log.min.isr': 2,
      'replica.selector.class': 'org.apache.kafka.common.replica.RackAwareReplicaSelector',
    });
    // Health-record events must not cross the pod network in clear: the only listener is TLS.
    expect(kafka.kafka.listeners).toEqual([
      { name: 'tls', port: 9093, type: 'internal', tls: true, authentication: { type: 'scram-sha-512' } },
    ]);
    // Strimzi sets broker.rack from the node's zone; Kafka then spreads each partition's replicas over zones.
    expect(kafka.kafka.rack).toEqual({ topologyKey: 'topology.kubernetes.io/zone' });
    expect(kafka.kafka.authorization).toEqual({ type: 'simple' });
    expect(kafka.entityOperator).toEqual({ topicOperator: {}, userOperator: {} });
  });

  it.each([
    ['dev', dev],
    ['prod', prod],
  ])('when %s, then the Kafka CR pins version and metadata version and carries no ZooKeeper or legacy annotations', (_p, objs) => {
    const kafka = named(objs, 'Kafka', KAFKA_CLUSTER);
    expect(kafka.apiVersion).toBe('kafka.strimzi.io/v1');
    expect(kafka.metadata.annotations).toBeUndefined();
    expect(kafka.spec.zookeeper).toBeUndefined();
    expect(kafka.spec.kafka).toMatchObject({ version: KAFKA_VERSION, metadataVersion: KAFKA_METADATA_VERSION });
    expect(KAFKA_VERSION).toMatch(/^4\.2\.\d+$/);
  });

  it('when prod, then each app has a SCRAM KafkaUser whose ACLs cover only its own topics, re-drive topic, group and DLQ', () => {
    const users = ofKind(prod, 'KafkaUser');
    expect(users.map((u) => u.metadata.name).sort()).toEqual([...deployables().map((d) => d.app), KAFKA_UI].sort());
    for (const u of users) expect(u.spec.authentication).toEqual({ type: 'scram-sha-512' });

    const acls = (app: string) => named(prod, 'KafkaUser', app).spec.authorization.acls as { resource: { type: string; name?: string }; operations: string[] }[];
    const group = CONSUMER_GROUPS.orderPersistence;
    expect(acls(group.app)).toEqual([
      ...[...group.topics, group.redrive].map((t) => ({ resource: { type: 'topic', name: t.name, patternType: 'literal' }, operations: ['Read', 'Describe'] })),
      { resource: { type: 'group', name: group.id, patternType: 'literal' }, operations: ['Read', 'Describe'] },
      { resource: { type: 'topic', name: group.dlq.name, patternType: 'literal' }, operations: ['Write', 'Describe'] },
    ]);
    const api = acls(PRODUCER_API.app);
    // The API writes every event topic; it reads only the live delivery feed's two topics, in its own prefixed groups.
    expect(api.filter((a) => a.operations.includes('Write')).map((a) => a.resource.name)).toEqual(Object.values(TOPICS).map((t) => t.name));
    expect(api.filter((a) => a.resource.type === 'topic' && a.operations.includes('Read')).map((a) => a.resource.name)).toEqual([TOPICS.deliveryTracking.name, TOPICS.statusUpdates.name]);
    expect(api.filter((a) => a.resource.type === 'group')).toEqual([{ resource: { type: 'group', name: API_WATCH_GROUP_PREFIX, patternType: 'prefix' }, operations: ['Read', 'Describe'] }]);
    expect(acls(KAFKA_UI).flatMap((a) => a.operations)).not.toContain('Write');
  });

  it('when a worker publishes events (inventory outcomes, care reminders), then its KafkaUser may write exactly those topics besides its DLQ', () => {
    const writes = (app: string) =>
      (named(prod, 'KafkaUser', app).spec.authorization.acls as { resource: { name?: string }; operations: string[] }[]).filter((a) => a.operations.includes('Write')).map((a) => a.resource.name).sort();
    expect(writes(CONSUMER_GROUPS.inventory.app)).toEqual([TOPICS.inventoryEvents.name, CONSUMER_GROUPS.inventory.dlq.name].sort());
    expect(writes(CONSUMER_GROUPS.careRecords.app)).toEqual([TOPICS.appointmentEvents.name, CONSUMER_GROUPS.careRecords.dlq.name].sort());
    expect(writes(CONSUMER_GROUPS.orderPersistence.app)).toEqual([CONSUMER_GROUPS.orderPersistence.dlq.name]);
  });

  it('when dev, then there are no KafkaUsers and no TriggerAuthentications', () => {
    expect(ofKind(dev, 'KafkaUser')).toEqual([]);
    expect(ofKind(dev, 'TriggerAuthentication')).toEqual([]);
  });
});

describe('prod Kafka clients over TLS', () => {
  const prod = synth('prod');

  it('when an app connects, then it uses KAFKA_SSL on 9093 and trusts the cluster CA via NODE_EXTRA_CA_CERTS', () => {
    for (const d of deployables()) {
      const pod = named(prod, 'Deployment', d.app).spec.template.spec;
      const c = pod.containers[0];
      const env = Object.fromEntries(c.env.map((e: { name: string; value?: string }) => [e.name, e.value]));
      expect(env).toMatchObject({ KAFKA_SSL: 'true', NODE_EXTRA_CA_CERTS: '/etc/medlives/kafka-ca/ca.crt' });
      expect(c.volumeMounts).toContainEqual({ name: 'kafka-ca', mountPath: '/etc/medlives/kafka-ca', readOnly: true });
      expect(pod.volumes).toContainEqual(expect.objectContaining({ name: 'kafka-ca', secret: expect.objectContaining({ secretName: `${KAFKA_CLUSTER}-cluster-ca-cert` }) }));
      const ports = named(prod, 'NetworkPolicy', d.app).spec.egress.flatMap((r: { ports: { port: number }[] }) => r.ports.map((p) => p.port));
      expect(ports).toContain(9093);
      expect(ports).not.toContain(9092);
    }
  });

  it('when KEDA reads the lag, then its trigger enables TLS and its TriggerAuthentication carries the cluster CA', () => {
    for (const so of ofKind(prod, 'ScaledObject')) {
      for (const t of so.spec.triggers.filter((x: { type: string }) => x.type === 'kafka')) {
        expect(t.metadata).toMatchObject({ tls: 'enable', sasl: 'scram_sha512', bootstrapServers: `${KAFKA_CLUSTER}-kafka-bootstrap.medlives.svc:9093` });
      }
      const auth = named(prod, 'TriggerAuthentication', so.metadata.name).spec;
      expect(auth.secretTargetRef).toContainEqual({ parameter: 'ca', name: `${KAFKA_CLUSTER}-cluster-ca-cert`, key: 'ca.crt' });
    }
  });

  it('when Kafka UI connects, then it speaks SASL_SSL with the cluster CA truststore', () => {
    const env = named(prod, 'Deployment', KAFKA_UI).spec.template.spec.containers[0].env as { name: string; value?: string }[];
    const byName = Object.fromEntries(env.map((e) => [e.name, e.value]));
    expect(byName).toMatchObject({
      KAFKA_CLUSTERS_0_PROPERTIES_SECURITY_PROTOCOL: 'SASL_SSL',
      KAFKA_CLUSTERS_0_PROPERTIES_SSL_TRUSTSTORE_TYPE: 'PKCS12',
      KAFKA_CLUSTERS_0_BOOTSTRAPSERVERS: `${KAFKA_CLUSTER}-kafka-bootstrap.medlives.svc:9093`,
    });
  });
});

describe('Kafka metrics for the alerts', () => {
  it.each(['dev', 'prod'] as const)('when %s exports metrics, then the allow-list keeps every Strimzi default and covers every kafka_ series the rules use', (profile) => {
    const objs = synth(profile);
    const allow = named(objs, 'Kafka', KAFKA_CLUSTER).spec.kafka.metricsConfig.values.allowList as string[];
    for (const d of STRIMZI_DEFAULT_METRICS_ALLOW_LIST) expect(allow).toContain(d);
    const rules = ofKind(objs, 'PrometheusRule').flatMap((r) => r.spec.groups.flatMap((g: { rules: { expr: string }[] }) => g.rules.map((x) => x.expr)));
    const used = new Set(rules.flatMap((e) => e.match(/\bkafka_[a-z_]+/g) ?? []));
    expect([...used].sort()).toEqual(expect.arrayContaining(['kafka_cluster_partition_underminisr', 'kafka_cluster_partition_underreplicated']));
    for (const m of used) expect({ m, allowed: allow.some((re) => new RegExp(`^(?:${re})$`).test(m)) }).toEqual({ m, allowed: true });
  });
});
