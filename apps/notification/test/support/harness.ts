import { Keyring, generateKey } from '@medlives/crypto';
import { type Envelope, encodeEvent } from '@medlives/events';
import { parseConfig } from '@medlives/runtime';
import { CONSUMER_GROUPS } from '@medlives/topology';
import { type WorkerHarness, groupLag, publish, waitFor, workerHarness } from '@medlives/testkit';
import { type App, createApp } from '../../src/app';
import { type NotificationConfig, NotificationEnv } from '../../src/config';
import { DELIVERIES_COLLECTION, type DeliveryDoc, type StoredDelivery } from '../../src/store/collections';
import { openDelivery } from '../../src/store/outbox';
import { WebhookStub } from './webhook-stub';

export const GROUP = CONSUMER_GROUPS.notification;

export interface Harness extends WorkerHarness<NotificationConfig, App> {
  /** SMS and push provider. */
  readonly webhook: WebhookStub;
  publish(...events: Envelope[]): Promise<void>;
  /** Delivery rows opened with the run's key (at rest they are sealed). */
  deliveries(filter?: Record<string, unknown>): Promise<DeliveryDoc[]>;
  /** The run's ENCRYPTION_KEYS (generated per test file). */
  readonly encryptionKeys: string;
}

/** Random topics, group and database per test file, a webhook provider, fast retries. */
export async function harness(label: string): Promise<Harness> {
  const webhook = new WebhookStub();
  await webhook.start();
  const encryptionKeys = `t1:${generateKey()}`;
  const keyring = Keyring.from(encryptionKeys);
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
      ENCRYPTION_KEYS: encryptionKeys,
    },
  });
  return {
    ...base,
    webhook,
    encryptionKeys,
    publish: (...events) => publish(base.topo.kafka, base.topo.prefix, events),
    async deliveries(filter = {}) {
      const rows = (await base.conn.collection(DELIVERIES_COLLECTION).find(filter).toArray()) as unknown as StoredDelivery[];
      return rows.map((r) => openDelivery(keyring, r));
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
