import { generateKey } from '@medlives/crypto';
import { type Envelope } from '@medlives/events';
import { parseConfig } from '@medlives/runtime';
import { CONSUMER_GROUPS } from '@medlives/topology';
import { type WorkerHarness, groupLag, publish, requireEnv, waitFor, workerHarness } from '@medlives/testkit';
import type { ConsumerApp } from '@medlives/consumer';
import { createApp } from '../../src/app';
import { type CareRecordsConfig, CareRecordsEnv } from '../../src/config';
import { createApp as createApi, type ProducerApi } from '../../../producer-api/src/app';
import { loadConfig } from '../../../producer-api/src/config';
import { runCli } from '../../../ops/src/cli';

export const GROUP = CONSUMER_GROUPS.careRecords;
export const CLINIC_KEY = 'key-clinic-1-secret';
export const OTHER_KEY = 'key-clinic-2-secret';
export const ADMIN_KEY = 'key-admin-secret-00';

/** Keys are generated per test run: nothing secret lives in the repository. */
export const newKey = (kid: string) => `${kid}:${generateKey()}`;

export interface Api {
  readonly app: ProducerApi;
  request(method: string, path: string, options?: { body?: unknown; key?: string; idempotencyKey?: string }): Promise<{ status: number; body: any }>;
  /** A write as a careful client makes it: with an Idempotency-Key, retried on 503 (outcome unknown). */
  write(path: string, body: unknown): Promise<{ status: number; body: any }>;
  stop(): Promise<void>;
}

export interface Harness extends WorkerHarness<CareRecordsConfig, ConsumerApp> {
  publish(...events: Envelope[]): Promise<void>;
  /** A producer API on the same topics and database, holding these keys. */
  startApi(keys: string): Promise<Api>;
  /** `medlives <argv>` with this database and these keys. */
  cli(keys: string, ...argv: string[]): Promise<{ code: number; out: string; err: string }>;
  drained(timeoutMs?: number): Promise<void>;
  /** Every document of every collection of the database, as stored. */
  rawDump(): Promise<Record<string, unknown[]>>;
}

export async function harness(label: string, env: Record<string, string>): Promise<Harness> {
  const base = await workerHarness({
    label,
    app: 'care-records',
    parse: (e) => parseConfig(CareRecordsEnv, e),
    create: (config, deps) => createApp(config, deps),
    env: { REMINDER_SWEEP_MS: '0', BATCH_MAX_WAIT_MS: '200', ...env },
  });
  const apis: Api[] = [];
  return {
    ...base,
    publish: (...events) => publish(base.topo.kafka, base.topo.prefix, events),
    async startApi(keys) {
      const app = createApi(
        loadConfig({
          PORT: '0',
          API_KEYS: `clinic-1:${CLINIC_KEY},clinic-2:${OTHER_KEY},admin:${ADMIN_KEY}`,
          KAFKA_BROKERS: requireEnv('KAFKA_BROKERS'),
          MONGO_URL: base.mongoUrl,
          TOPIC_PREFIX: base.topo.prefix,
          LOG_LEVEL: 'silent',
          ENCRYPTION_KEYS: keys,
          // A loaded test machine may take seconds for the first produce to a topic.
          PUBLISH_TIMEOUT_MS: '8000',
          IDEMPOTENCY_LEASE_MS: '10000',
        }),
      );
      await app.start();
      const url = `http://127.0.0.1:${app.port}`;
      await waitFor('API readiness', async () => (await fetch(`${url}/readyz`)).status === 200);
      const api: Api = {
        app,
        async request(method, path, options = {}) {
          const res = await fetch(`${url}${path}`, {
            method,
            headers: {
              authorization: `Bearer ${options.key ?? CLINIC_KEY}`,
              ...(options.body ? { 'content-type': 'application/json' } : {}),
              ...(options.idempotencyKey ? { 'idempotency-key': options.idempotencyKey } : {}),
            },
            ...(options.body ? { body: JSON.stringify(options.body) } : {}),
          });
          const text = await res.text();
          return { status: res.status, body: text ? JSON.parse(text) : undefined };
        },
        async write(path, body) {
          const idempotencyKey = `care-test-${Math.random().toString(36).slice(2)}`;
          let res = await api.request('POST', path, { body, idempotencyKey });
          for (let i = 0; i < 5 && (res.status === 503 || res.status === 409); i++) {
            await new Promise((r) => setTimeout(r, 1_000));
            res = await api.request('POST', path, { body, idempotencyKey });
          }
          return res;
        },
        stop: () => app.stop(),
      };
      apis.push(api);
      return api;
    },
    async cli(keys, ...argv) {
      const out: string[] = [];
      const err: string[] = [];
      const code = await runCli(argv, { out: (l) => void out.push(l), err: (l) => void err.push(l) }, {
        kafka: base.topo.kafka,
        env: { MONGO_URL: base.mongoUrl, ENCRYPTION_KEYS: keys, KAFKA_BROKERS: requireEnv('KAFKA_BROKERS'), TOPIC_PREFIX: base.topo.prefix },
      });
      return { code, out: out.join('\n'), err: err.join('\n') };
    },
    async drained(timeoutMs = 60_000) {
      await waitFor('the group to commit every record', async () => (await groupLag(base.topo.admin, GROUP, base.topo.prefix)) === 0, { timeoutMs, intervalMs: 250 });
    },
    async rawDump() {
      const out: Record<string, unknown[]> = {};
      for (const c of await base.conn.db!.listCollections().toArray()) out[c.name] = await base.conn.db!.collection(c.name).find({}).toArray();
      return out;
    },
    async cleanup() {
      await Promise.all(apis.map((a) => a.stop().catch(() => undefined)));
      await base.cleanup();
    },
  };
}
