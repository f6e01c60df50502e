import type { Consumer, Kafka } from 'kafkajs';
import { generateKey } from '@medlives/crypto';
import mongoose from 'mongoose';
import { type DecodeResult, decodeEvent } from '@medlives/events';
import { TOPICS, allTopicSpecs, resolveTopicName } from '@medlives/topology';
import { isolatedTopology, type IsolatedTopology, randomMongoUrl, sampleData, waitFor } from '@medlives/testkit';
import { createApp, type ProducerApi } from '../src/app';
import { loadConfig } from '../src/config';

export const TENANT_KEY = 'key-pharma-001-secret';
export const OTHER_KEY = 'key-pharma-002-secret';
export const ADMIN_KEY = 'key-admin-secret-00';
export const API_KEYS = `pharma-001:${TENANT_KEY},pharma-002:${OTHER_KEY},admin:${ADMIN_KEY}`;

export interface SeenRecord {
  topic: string;
  key: string | undefined;
  headers: Record<string, string>;
  decoded: DecodeResult;
}

/** Collects every record on the isolated topics, so tests can assert what was (not) published. */
export class Recorder {
  readonly records: SeenRecord[] = [];
  private consumer: Consumer;
  constructor(kafka: Kafka, private readonly prefix: string) {
    this.consumer = kafka.consumer({ groupId: `${prefix}recorder`, maxWaitTimeInMs: 100 });
  }
  async start(): Promise<void> {
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: allTopicSpecs().map((t) => resolveTopicName(t, this.prefix)), fromBeginning: true });
    await this.consumer.run({
      eachMessage: async ({ topic, message }) => {
        const headers = Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)]));
        this.records.push({ topic: topic.slice(this.prefix.length), key: message.key?.toString(), headers, decoded: decodeEvent(message) });
      },
    });
  }
  byEventId(eventId: string): SeenRecord[] {
    return this.records.filter((r) => r.decoded.ok && r.decoded.envelope.eventId === eventId);
  }
  count(predicate: (r: SeenRecord) => boolean): number {
    return this.records.filter(predicate).length;
  }
  async waitForEvent(eventId: string): Promise<SeenRecord> {
    return waitFor(`record ${eventId}`, () => this.byEventId(eventId)[0]);
  }
  stop(): Promise<void> {
    return this.consumer.disconnect();
  }
}

export interface ApiHarness {
  app: ProducerApi;
  base: string;
  topology: IsolatedTopology;
  recorder: Recorder;
  dbName: string;
  request(method: string, path: string, options?: { body?: unknown; raw?: string; key?: string | null; headers?: Record<string, string> }): Promise<{ status: number; body: any; headers: Headers; ms: number }>;
  metric(name: string, labels?: Record<string, string>): Promise<number>;
  /**
   * Proves nothing was published since `before`: a sentinel order (same tenant, so the same
   * order-events partition, behind anything published earlier) arrives as the only new record.
   */
  expectNothingPublishedSince(before: number): Promise<void>;
  close(): Promise<void>;
}

function sentinelOrder(): Record<string, unknown> {
  const { tenantCode: _t, orderId: _o, status: _s, paymentStatus: _p, ...order } = sampleData('order.created') as Record<string, unknown>;
  return order;
}

export async function startApi(env: Record<string, string> = {}, shared?: { topology: IsolatedTopology; recorder: Recorder }): Promise<ApiHarness> {
  const topology = shared?.topology ?? (await isolatedTopology('api'));
  const { url, dbName } = randomMongoUrl('api');
  const config = loadConfig({
    PORT: '0',
    API_KEYS,
    KAFKA_BROKERS: process.env.KAFKA_BROKERS!,
    MONGO_URL: url,
    TOPIC_PREFIX: topology.prefix,
    LOG_LEVEL: 'silent',
    RATE_LIMIT_PER_SECOND: '100000',
    RATE_LIMIT_BURST: '100000',
    // Generated per run: the care read routes decrypt with it.
    ENCRYPTION_KEYS: `test:${generateKey()}`,
    ...env,
  });
  const app = createApp(config);
  await app.start();
  const recorder = shared?.recorder ?? new Recorder(topology.kafka, topology.prefix);
  if (!shared) await recorder.start();
  const base = `http://127.0.0.1:${app.port}`;
  if (config.WRITE_MODE !== 'direct' && !env.KAFKA_BROKERS) await waitFor('API readiness', async () => (await fetch(`${base}/readyz`)).status === 200);
  return {
    app,
    base,
    topology,
    recorder,
    dbName,
    async request(method, path, options = {}) {
      const headers: Record<string, string> = { ...(options.headers ?? {}) };
      if (options.key !== null) headers.authorization = `Bearer ${options.key ?? TENANT_KEY}`;
      let payload: string | undefined = options.raw;
      if (options.body !== undefined) payload = JSON.stringify(options.body);
      if (payload !== undefined) headers['content-type'] ??= 'application/json';
      const t0 = performance.now();
      const res = await fetch(`${base}${path}`, { method, headers, body: payload });
      const text = await res.text();
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        /* not JSON */
      }
      return { status: res.status, body, headers: res.headers, ms: performance.now() - t0 };
    },
    async metric(name, labels = {}) {
      const metric = await app.registry.getSingleMetric(name)?.get();
      const values = metric?.values.filter((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l)) ?? [];
      return values.reduce((n, v) => n + v.value, 0);
    },
    async expectNothingPublishedSince(before) {
      const sentinel = await (this as ApiHarness).request('POST', '/api/v1/orders', { body: sentinelOrder() });
      if (sentinel.status !== 202) throw new Error(`sentinel refused: ${JSON.stringify(sentinel.body)}`);
      await recorder.waitForEvent(sentinel.body.eventId);
      // Audit records are the API noting the request (apps/producer-api/src/http/audit.ts), not its publication.
      const extra = recorder.records.slice(before).filter((r) => r.topic !== TOPICS.auditEvents.name && !(r.decoded.ok && r.decoded.envelope.eventId === sentinel.body.eventId));
      if (extra.length) throw new Error(`unexpected records: ${JSON.stringify(extra.map((r) => [r.topic, r.headers]))}`);
    },
    async close() {
      await app.stop();
      const conn = await mongoose.createConnection(url).asPromise();
      await conn.dropDatabase().catch(() => undefined);
      await conn.close();
      if (!shared) {
        await recorder.stop();
        await topology.cleanup();
      }
    },
  };
}
