import mongoose, { type Connection } from 'mongoose';
import pino from 'pino';
import { type Envelope, encodeEvent } from '@medlives/events';
import { parseConfig } from '@medlives/runtime';
import { CONSUMER_GROUPS } from '@medlives/topology';
import { type IsolatedTopology, groupLag, isolatedTopology, publish, randomMongoUrl, requireEnv, waitFor } from '@medlives/testkit';
import { type App, createApp } from '../../src/app';
import { type NotificationConfig, NotificationEnv } from '../../src/config';
import { DELIVERIES_COLLECTION, type DeliveryDoc } from '../../src/store/collections';
import { WebhookStub } from './webhook-stub';

export const GROUP = CONSUMER_GROUPS.notification;

export interface Harness {
  readonly topo: IsolatedTopology;
  readonly mongoUrl: string;
  readonly conn: Connection;
  /** SMS and push provider. */
  readonly webhook: WebhookStub;
  env(overrides?: Record<string, string>): Record<string, string>;
  config(overrides?: Record<string, string>): NotificationConfig;
  startApp(overrides?: Record<string, string>): Promise<App>;
  publish(...events: Envelope[]): Promise<void>;
  deliveries(filter?: Record<string, unknown>): Promise<DeliveryDoc[]>;
  cleanup(): Promise<void>;
}

/** Random topics, group and database per test file, a webhook provider, fast retries. */
export async function harness(label: string): Promise<Harness> {
  const topo = await isolatedTopology(label);
  const mongoUrl = randomMongoUrl(label).url;
  const conn = await mongoose.createConnection(mongoUrl, { serverSelectionTimeoutMS: 5_000 }).asPromise();
  const webhook = new WebhookStub();
  await webhook.start();
  const apps: App[] = [];
  const env = (overrides: Record<string, string> = {}) => ({
    KAFKA_BROKERS: requireEnv('KAFKA_BROKERS'),
    MONGO_URL: mongoUrl,
    TOPIC_PREFIX: topo.prefix,
    PORT: '0',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'error',
    LAG_INTERVAL_MS: '500',
    KAFKA_SESSION_TIMEOUT_MS: '10000',
    KAFKA_REBALANCE_TIMEOUT_MS: '15000',
    MONGO_SERVER_SELECTION_TIMEOUT_MS: '3000',
    SHUTDOWN_TIMEOUT_MS: '15000',
    NOTIFY_SMS_PROVIDER: 'webhook',
    NOTIFY_SMS_WEBHOOK_URL: webhook.url,
    NOTIFY_SMS_WEBHOOK_TOKEN: 'sms-secret',
    NOTIFY_PUSH_PROVIDER: 'webhook',
    NOTIFY_PUSH_WEBHOOK_URL: webhook.url,
    NOTIFY_EMAIL_PROVIDER: 'none',
    NOTIFY_RETRY_BASE_MS: '100',
    NOTIFY_SEND_TIMEOUT_MS: '3000',
    NOTIFY_SWEEP_MS: '1000',
    ...overrides,
  });
  const config = (overrides?: Record<string, string>) => parseConfig(NotificationEnv, env(overrides));
  return {
    topo,
    mongoUrl,
    conn,
    webhook,
    env,
    config,
    async startApp(overrides) {
      const c = config(overrides);
      const app = createApp(c, { logger: pino({ level: c.LOG_LEVEL, base: { app: 'notification', test: label } }) });
      apps.push(app);
      await app.start();
      return app;
    },
    publish: (...events) => publish(topo.kafka, topo.prefix, events),
    async deliveries(filter = {}) {
      return (await conn.collection(DELIVERIES_COLLECTION).find(filter).toArray()) as unknown as DeliveryDoc[];
    },
    async cleanup() {
      await Promise.all(apps.map((a) => a.stop('test cleanup').catch(() => undefined)));
      await webhook.stop();
      await conn.dropDatabase().catch(() => undefined);
      await conn.close().catch(() => undefined);
      await topo.cleanup();
    },
  };
}

/** Waits until the group has committed everything published. */
export async function drained(h: Harness, timeoutMs = 60_000): Promise<void> {
  await waitFor('the group to commit every record', async () => (await groupLag(h.topo.admin, GROUP, h.topo.prefix)) === 0, { timeoutMs, intervalMs: 250 });
}

export { encodeEvent };
