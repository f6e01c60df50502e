import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createKafka, ensureTopics, type EnsureTopicsResult } from '@medlives/kafka';
import { resolveTopics } from '@medlives/topology';
import { kafkaBrokers, kafkaUp, KAFKA_VERSION, type ServiceState } from './kafka';
import { localMongoUrl, mongoUp, runningFerretBackend } from './mongo';
import { pgUrl } from './postgres';
import { CACHE_DIR, HOST, KAFKA_PORT, MONGO_PORT, PG_PORT, RUN_DIR } from './paths';
import { portOpen, runningPid, stopDaemon } from './proc';

export interface InfraEnv {
  KAFKA_BROKERS: string;
  MONGO_URL: string;
}

export interface InfraUpResult {
  env: InfraEnv;
  services: ServiceState[];
  topics: EnsureTopicsResult;
  seconds: number;
}

/** Starts (or reuses) Kafka and the MongoDB-wire server, then creates every topology topic. */
export async function infraUp(log: (s: string) => void = () => undefined): Promise<InfraUpResult> {
  const t0 = Date.now();
  // Sequential on purpose: both may compile or download, and the machine has two cores.
  const kafka = process.env.KAFKA_BROKERS
    ? ({ name: 'kafka', url: process.env.KAFKA_BROKERS, state: 'external', detail: 'from KAFKA_BROKERS' } as ServiceState)
    : await kafkaUp(log);
  const mongo = await mongoUp(log);
  const env: InfraEnv = { KAFKA_BROKERS: kafka.url, MONGO_URL: mongo.url };
  const admin = createKafka({ brokers: env.KAFKA_BROKERS.split(','), clientId: 'medlives-infra' }).admin();
  await admin.connect();
  try {
    const topics = await ensureTopics(admin, resolveTopics({ profile: 'dev' }));
    mkdirSync(RUN_DIR, { recursive: true });
    writeFileSync(join(RUN_DIR, 'env'), Object.entries(env).map(([k, v]) => `export ${k}=${v}`).join('\n') + '\n');
    return { env, services: [kafka, mongo], topics, seconds: (Date.now() - t0) / 1000 };
  } finally {
    await admin.disconnect();
  }
}

export async function infraDown(): Promise<string[]> {
  const stopped: string[] = [];
  // FerretDB before the PostgreSQL it uses (a smart shutdown waits for its clients).
  for (const name of ['kafka', 'ferretdb', 'mongod', 'postgres']) if (await stopDaemon(name)) stopped.push(name);
  return stopped;
}

export async function infraStatus(): Promise<Array<{ name: string; pid?: number; listening: boolean; url: string }>> {
  const mongoName = runningPid('mongod') !== undefined ? 'mongod' : 'ferretdb';
  const backend = mongoName === 'ferretdb' ? (runningFerretBackend() ?? 'sqlite') : undefined;
  return [
    { name: `kafka ${KAFKA_VERSION}`, pid: runningPid('kafka'), listening: await portOpen(HOST, KAFKA_PORT), url: kafkaBrokers },
    { name: backend ? `ferretdb (${backend})` : mongoName, pid: runningPid(mongoName), listening: await portOpen(HOST, MONGO_PORT), url: localMongoUrl },
    ...(backend === 'postgresql' || runningPid('postgres') !== undefined
      ? [{ name: 'postgresql', pid: runningPid('postgres'), listening: await portOpen(HOST, PG_PORT), url: pgUrl('ferretdb') }]
      : []),
  ];
}

export { CACHE_DIR };
