/**
 * Issue 10, audit-service: audit-events → an append-only store (a redelivery adds nothing, no
 * update or delete path exists), a malformed record goes to the group DLQ, and audit-events is
 * `cleanup.policy=delete` with 365 d retention on the broker and in the KafkaTopic manifests.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { KafkaMessage } from 'kafkajs';
import { parseAllDocuments } from 'yaml';
import { DLQ_HEADERS } from '@medlives/consumer';
import { describeTopicConfigs } from '@medlives/kafka';
import { parseConfig } from '@medlives/runtime';
import { CONSUMER_GROUPS, TOPICS, resolveTopicName } from '@medlives/topology';
import { REPO, publish, publishRaw, sampleEvent, waitFor, workerHarness, type WorkerHarness } from '@medlives/testkit';
import { readWholeTopic } from '../../ops/src/dlq/read';
import { createApp } from '../src/app';
import { type AuditConfig, AuditEnv } from '../src/config';
import { AUDIT_COLLECTION, AuditStore } from '../src/store/audit-store';

const GROUP = CONSUMER_GROUPS.audit;
const YEAR_MS = String(365 * 24 * 3_600_000);
type App = ReturnType<typeof createApp>;

describe('audit-service', () => {
  let h: WorkerHarness<AuditConfig, App>;
  let app: App;
  beforeAll(async () => {
    h = await workerHarness({ label: 'aud', app: 'audit', parse: (env) => parseConfig(AuditEnv, env), create: createApp });
    app = await h.startApp();
  });
  afterAll(() => h?.cleanup());

  it('when audit events arrive twice, then each is stored once with actor, correlation id and subject', async () => {
    const events = [sampleEvent('data.accessed'), sampleEvent('data.modified'), sampleEvent('login.attempt')];
    await publish(h.topo.kafka, h.topo.prefix, events);
    await publish(h.topo.kafka, h.topo.prefix, events);
    const store = new AuditStore(h.conn);
    await waitFor('three records', async () => (await store.find({ limit: 10 })).length === 3);
    // The second copy is consumed too (offsets move on) but adds nothing.
    await waitFor('the replays to be consumed', async () => {
      const m = await app.registry.getSingleMetric('medlives_audit_records_total')?.get();
      return m?.values.find((v) => v.labels.result === 'replay')?.value === 3;
    });
    expect(await h.conn.collection(AUDIT_COLLECTION).countDocuments({})).toBe(3);
    const stored = await store.find({ subject: 'pat-1', limit: 10 });
    expect(stored.map((s) => s.eventId).sort()).toEqual([events[0]!.eventId, events[1]!.eventId].sort());
    expect(stored.find((s) => s.eventId === events[0]!.eventId)).toMatchObject({ actor: events[0]!.actor, correlationId: events[0]!.correlationId, tenantCode: 'pharma-001', outcome: 'success' });
  });

  it('when a malformed record arrives, then it goes to the group DLQ and the next record is stored', async () => {
    const topic = resolveTopicName(TOPICS.auditEvents, h.topo.prefix);
    await publishRaw(h.topo.kafka, topic, [{ key: 'pat-9', value: '{broken' }, { key: 'pat-9', value: '{"eventType":"data.accessed","data":{}}' }]);
    const after = sampleEvent('data.accessed');
    await publish(h.topo.kafka, h.topo.prefix, [after]);
    await waitFor('the record after the poison', async () => (await h.conn.collection(AUDIT_COLLECTION).countDocuments({ _id: after.eventId as never })) === 1, { timeoutMs: 30_000 });
    const dead = await waitFor('two dead letters', async () => {
      const all = await readWholeTopic(h.topo.kafka, resolveTopicName(GROUP.dlq, h.topo.prefix));
      return all.length >= 2 ? all : undefined;
    }, { timeoutMs: 30_000 });
    const header = (m: KafkaMessage, name: string) => m.headers?.[name]?.toString();
    expect(dead.map((d) => header(d.message, DLQ_HEADERS.errorCode)).sort()).toEqual(['MALFORMED_JSON', 'SCHEMA_INVALID']);
  });

  it('when the broker is asked, then audit-events is cleanup.policy=delete with 365 d retention, as the topology and the KafkaTopic manifests say', async () => {
    const name = resolveTopicName(TOPICS.auditEvents, h.topo.prefix);
    const configs = await describeTopicConfigs(h.topo.admin, [name]);
    expect({ policy: configs[name]?.['cleanup.policy'], retention: configs[name]?.['retention.ms'] }).toEqual({ policy: 'delete', retention: YEAR_MS });
    expect([TOPICS.auditEvents.cleanupPolicy, String(TOPICS.auditEvents.retentionMs)]).toEqual(['delete', YEAR_MS]);
    for (const profile of ['dev', 'prod']) {
      const docs = parseAllDocuments(readFileSync(join(REPO, 'k8s', profile, 'topics.yaml'), 'utf8')).map((d) => d.toJS() as { kind: string; spec: { topicName?: string; config: Record<string, unknown> }; metadata: { name: string } });
      const audit = docs.find((d) => d.kind === 'KafkaTopic' && (d.spec.topicName ?? d.metadata.name) === 'audit-events');
      expect({ profile, policy: audit?.spec.config['cleanup.policy'], retention: String(audit?.spec.config['retention.ms']) }).toEqual({ profile, policy: 'delete', retention: YEAR_MS });
    }
  });

  it('when the code is searched, then nothing updates or deletes an audit record', () => {
    const files = ['apps/audit/src', 'apps/audit/src/store', 'apps/producer-api/src/routes'].flatMap((dir) => readdirSync(join(REPO, dir)).filter((f) => f.endsWith('.ts')).map((f) => join(REPO, dir, f)));
    const touching = files.filter((f) => /audit/i.test(readFileSync(f, 'utf8')));
    expect(touching.length).toBeGreaterThanOrEqual(3);
    for (const f of touching) expect({ f, writes: readFileSync(f, 'utf8').match(/\b(update(One|Many)?|replaceOne|delete(One|Many)?|findOneAnd\w+|bulkWrite|drop)\s*\(/g) ?? [] }).toEqual({ f, writes: [] });
    expect(Object.getOwnPropertyNames(AuditStore.prototype).sort()).toEqual(['append', 'constructor', 'find', 'init']);
  });
});
