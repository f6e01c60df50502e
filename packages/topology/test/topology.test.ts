import {
  CONSUMER_GROUPS,
  PROFILES,
  TOPICS,
  allTopicSpecs,
  deployables,
  resolveTopics,
  topicForEventType,
  validateTopology,
} from '@medlives/topology';

const DAY = 86_400_000;

describe('topology', () => {
  it('when validated, then every invariant holds', () => {
    expect(() => validateTopology()).not.toThrow();
  });

  it('when a group consumes one by one (MISSION §2: "immediately"), then it never holds an event back for more', () => {
    const single = Object.values(CONSUMER_GROUPS).filter((g) => g.mode === 'single');
    expect(single.map((g) => g.id)).toEqual(expect.arrayContaining(['notification-service', 'inventory-service', 'delivery-tracking-service']));
    for (const g of single) expect({ group: g.id, maxWaitMs: g.batch.maxWaitMs }).toEqual({ group: g.id, maxWaitMs: 0 });
  });

  it('when read, then the topics match MISSION §2', () => {
    const table = Object.fromEntries(Object.values(TOPICS).map((t) => [t.name, [t.partitions, t.retentionMs / DAY, t.compression, t.cleanupPolicy]]));
    expect(table).toEqual({
      'order-events': [6, 7, 'gzip', 'delete'],
      'status-updates': [6, 7, 'gzip', 'delete'],
      'delivery-tracking': [8, 1, 'lz4', 'delete'],
      'inventory-events': [3, 7, 'gzip', 'delete'],
      'appointment-events': [8, 30, 'gzip', 'delete'],
      'prescription-events': [4, 30, 'gzip', 'delete'],
      'health-record-events': [4, 90, 'gzip', 'delete'],
      'audit-events': [12, 365, 'gzip', 'delete'],
    });
  });

  it('when a group is declared, then it has a DLQ of 1-3 partitions kept 14 days with the original key, and a re-drive topic of its own', () => {
    for (const g of Object.values(CONSUMER_GROUPS)) {
      expect(g.dlq.name).toBe(`${g.id}.dlq`);
      expect(g.dlq.partitions).toBeGreaterThanOrEqual(1);
      expect(g.dlq.partitions).toBeLessThanOrEqual(3);
      expect(g.dlq.retentionMs).toBe(14 * DAY);
      expect(g.dlq.key).toBe('original');
      expect([g.redrive.name, g.redrive.partitions, g.redrive.key]).toEqual([`${g.id}.redrive`, g.dlq.partitions, 'original']);
      expect(allTopicSpecs()).toContain(g.redrive);
    }
  });

  it('when order persistence is read, then it batches 100 events or 5 s over orders, statuses and inventory outcomes', () => {
    const g = CONSUMER_GROUPS.orderPersistence;
    expect(g.topics.map((t) => t.name)).toEqual(['order-events', 'status-updates', 'inventory-events']);
    expect(g.batch).toEqual({ maxEvents: 100, maxWaitMs: 5_000 });
  });

  it('when resolved for prod, then replication is 3 with min ISR 2; for dev 1 and 1', () => {
    const prod = resolveTopics({ profile: 'prod' });
    expect(prod.every((t) => t.replicationFactor === PROFILES.prod.replicationFactor && t.config['min.insync.replicas'] === '2')).toBe(true);
    const dev = resolveTopics({ profile: 'dev', prefix: 'x.' });
    expect(dev.every((t) => t.replicationFactor === 1 && t.config['min.insync.replicas'] === '1')).toBe(true);
    expect(dev.map((t) => t.name)).toEqual(allTopicSpecs().map((t) => `x.${t.name}`));
  });

  it('when resolved, then each topic carries the exact broker config', () => {
    const audit = resolveTopics().find((t) => t.spec === TOPICS.auditEvents);
    expect(audit?.config).toEqual({
      'retention.ms': String(365 * DAY),
      'compression.type': 'gzip',
      'cleanup.policy': 'delete',
      'min.insync.replicas': '1',
    });
  });

  it('when an event type is looked up, then exactly one topic carries it', () => {
    expect(topicForEventType('status.changed')?.name).toBe('status-updates');
    expect(topicForEventType('nope.nothing')).toBeUndefined();
  });

  it('when deployables are listed, then the API and each available worker appear once', () => {
    const apps = deployables().map((d) => d.app);
    expect(apps[0]).toBe('producer-api');
    expect(apps).toEqual([...new Set(apps)]);
    expect(apps).toContain('order-persistence');
  });
});
