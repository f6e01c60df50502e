/**
 * Helpers for integration tests: real infrastructure from the environment the global setup
 * prepared, isolated per test file by random names, and polling instead of sleeping.
 */
import { randomBytes } from 'node:crypto';
import type { Admin, Kafka } from 'kafkajs';
import { createKafka, deleteTopicsWithPrefix, ensureTopics, parseBrokers } from '@medlives/kafka';
import { resolveTopics } from '@medlives/topology';

export function requireEnv(name: 'KAFKA_BROKERS' | 'MONGO_URL'): string {
  const value = process.env[name];
  // A missing server is a failure, never a skip: a suite that skips its integration tests lies.
  if (!value) throw new Error(`${name} is not set: run the integration tests through jest (global setup) or npm run infra:up`);
  return value;
}

export function randomName(label: string): string {
  return `t${Date.now().toString(36)}-${randomBytes(3).toString('hex')}-${label}`;
}

/** A MongoDB URL pointing at a fresh, random database on the test server. */
export function randomMongoUrl(label = 'db'): { url: string; dbName: string } {
  const base = new URL(requireEnv('MONGO_URL'));
  const dbName = randomName(label).replace(/[^a-zA-Z0-9_]/g, '_');
  base.pathname = `/${dbName}`;
  return { url: base.toString(), dbName };
}

export function testKafka(clientId = 'medlives-test'): Kafka {
  return createKafka({ brokers: parseBrokers(requireEnv('KAFKA_BROKERS')), clientId });
}

export interface IsolatedTopology {
  prefix: string;
  kafka: Kafka;
  admin: Admin;
  cleanup(): Promise<void>;
}

/** Creates every topology topic under a random prefix; `cleanup` deletes them again. */
export async function isolatedTopology(label: string): Promise<IsolatedTopology> {
  const prefix = `${randomName(label)}.`;
  const kafka = testKafka(`test-${label}`);
  const admin = kafka.admin();
  await admin.connect();
  await ensureTopics(admin, resolveTopics({ profile: 'dev', prefix }));
  return {
    prefix,
    kafka,
    admin,
    async cleanup() {
      await deleteTopicsWithPrefix(admin, prefix).catch(() => undefined);
      await admin.disconnect();
    },
  };
}

export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  { timeoutMs = 20_000, intervalMs = 50 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      lastError = error;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`);
}
export * from './samples';
export * from './kafka';
export * from './workload';
export * from './child';
export * from './ferretdb';
export * from './worker-harness';
export * from './tcp-proxy';
export * from './sse';
export * from './analytics-workload';
