import { randomBytes } from 'node:crypto';
import mongoose from 'mongoose';
import { analyticsMongoUrl } from '@medlives/analytics';
import type { ConsumerApp } from '@medlives/consumer';
import { parseConfig } from '@medlives/runtime';
import { CONSUMER_GROUPS } from '@medlives/topology';
import { type WorkerHarness, groupLag, waitFor, workerHarness } from '@medlives/testkit';
// The summary route lives in the producer API; the end-to-end tests drive it as a client would.
import { type ProducerApi, createApp as createApi } from '../../../producer-api/src/app';
import { loadConfig } from '../../../producer-api/src/config';
import { createApp } from '../../src/app';
import { type AnalyticsConfig, AnalyticsEnv } from '../../src/config';

export const TENANT_A = 'pharma-001';
export const TENANT_B = 'pharma-002';

export interface Stack {
  h: WorkerHarness<AnalyticsConfig, ConsumerApp>;
  api: ProducerApi;
  base: string;
  keys: { a: string; b: string; admin: string };
  summary(query: string, key: string): Promise<{ status: number; body: any }>;
  drained(): Promise<void>;
  cleanup(): Promise<void>;
}

/** Producer API + analytics-service on isolated topics and a random database (keys made per run). */
export async function startStack(label: string, env: Record<string, string> = {}): Promise<Stack> {
  const h = await workerHarness({ label, app: 'analytics', parse: (e) => parseConfig(AnalyticsEnv, e), create: createApp, env: { BATCH_MAX_WAIT_MS: '500', ...env } });
  const keys = { a: randomBytes(12).toString('hex'), b: randomBytes(12).toString('hex'), admin: randomBytes(12).toString('hex') };
  const api = createApi(
    loadConfig({
      PORT: '0',
      API_KEYS: `${TENANT_A}:${keys.a},${TENANT_B}:${keys.b},admin:${keys.admin}`,
      KAFKA_BROKERS: process.env.KAFKA_BROKERS!,
      MONGO_URL: h.mongoUrl,
      TOPIC_PREFIX: h.topo.prefix,
      LOG_LEVEL: 'silent',
      RATE_LIMIT_PER_SECOND: '100000',
      RATE_LIMIT_BURST: '100000',
    }),
  );
  await api.start();
  const base = `http://127.0.0.1:${api.port}`;
  await waitFor('API readiness', async () => (await fetch(`${base}/readyz`)).status === 200);
  return {
    h,
    api,
    base,
    keys,
    async summary(query, key) {
      const res = await fetch(`${base}/api/v1/analytics/summary?${query}`, { headers: { authorization: `Bearer ${key}` } });
      return { status: res.status, body: await res.json() };
    },
    drained: async () => void (await waitFor('analytics-service to commit everything', async () => (await groupLag(h.topo.admin, CONSUMER_GROUPS.analytics, h.topo.prefix)) === 0, { timeoutMs: 600_000, intervalMs: 500 })),
    async cleanup() {
      await api.stop().catch(() => undefined);
      const conn = await mongoose.createConnection(analyticsMongoUrl({ MONGO_URL: h.mongoUrl })).asPromise();
      await conn.dropDatabase().catch(() => undefined);
      await conn.close();
      await h.cleanup();
    },
  };
}
