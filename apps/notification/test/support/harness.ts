import { type Envelope, encodeEvent } from '@medlives/events';
import { parseConfig } from '@medlives/runtime';
import { CONSUMER_GROUPS } from '@medlives/topology';
import { type WorkerHarness, groupLag, publish, waitFor, workerHarness } from '@medlives/testkit';
import { type App, createApp } from '../../src/app';
import { type NotificationConfig, NotificationEnv } from '../../src/config';
import { DELIVERIES_COLLECTION, type DeliveryDoc } from '../../src/store/collections';
import { WebhookStub } from './webhook-stub';

export const GROUP = CONSUMER_GROUPS.notification;

export interface Harness extends WorkerHarness<NotificationConfig, App> {
  /** SMS and push provider. */
  readonly webhook: WebhookStub;
  publish(...events: Envelope[]): Promise<void>;
  deliveries(filter?: Record<string, unknown>): Promise<DeliveryDoc[]>;
}

/** Random topics, group and database per test file, a webhook provider, fast retries. */
export async function harness(label: string): Promise<Harness> {
  const webhook = new WebhookStub();
  await webhook.start();
  const base = await workerHarness({
    label,
    app: 'notification',
    parse: (env) => parseConfig(NotificationEnv, env),
    create: (config, deps) => createApp(config, deps),
    env: {
      NOTIFY_SMS_PROVIDER: 'webhook',
      NOTIFY_SMS_WEBHOOK_URL: webhook.url,
      NOTIFY_SMS_WEBHOOK_TOKEN: 'sms-secret',
      NOTIFY_PUSH_PROVIDER: 'webhook',
      NOTIFY_PUSH_WEBHOOK_URL: webhook.url,
      NOTIFY_EMAIL_PROVIDER: 'none',
      NOTIFY_RETRY_BASE_MS: '100',
      NOTIFY_SEND_TIMEOUT_MS: '3000',
      NOTIFY_SWEEP_MS: '1000',
    },
  });
  return {
    ...base,
    webhook,
    publish: (...events) => publish(base.topo.kafka, base.topo.prefix, events),
    async deliveries(filter = {}) {
      return (await base.conn.collection(DELIVERIES_COLLECTION).find(filter).toArray()) as unknown as DeliveryDoc[];
    },
    async cleanup() {
      await base.cleanup();
      await webhook.stop();
    },
  };
}

/** Waits until the group has committed everything published. */
export async function drained(h: Harness, timeoutMs = 60_000): Promise<void> {
  await waitFor('the group to commit every record', async () => (await groupLag(h.topo.admin, GROUP, h.topo.prefix)) === 0, { timeoutMs, intervalMs: 250 });
}

export { encodeEvent };
