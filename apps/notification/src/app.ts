import type { Message } from 'kafkajs';
import { type ConsumerApp, type ConsumerAppOptions, type DecodeFn, type OpenedSink, consumerMetrics, createConsumerApp, deadLetter, decodeEnvelope } from '@medlives/consumer';
import { requireKeyring } from '@medlives/crypto';
import { connectMongoFrom } from '@medlives/mongo';
import { CONSUMER_GROUPS, resolveGroupId, resolveTopicName } from '@medlives/topology';
import { type Channel, type NotificationConfig, parseOptOuts } from './config';
import { createProviders } from './channels';
import { Dispatcher } from './dispatcher';
import { notificationMetrics } from './metrics';
import { type NotificationInput, createNotificationSink, sourceMessage } from './sink';
import type { DeliveryDoc } from './store/collections';
import { NotificationStore } from './store/outbox';

export interface App extends ConsumerApp {
  /** The outbox dispatcher (after start), for tests and the bench. */
  readonly dispatcher: Dispatcher | undefined;
}
export type AppDeps = Pick<ConsumerAppOptions<NotificationInput, NotificationConfig>, 'logger' | 'registry' | 'onFatal'>;

const GROUP = CONSUMER_GROUPS.notification;

/** Extra dead-letter headers: which delivery of the event gave up. */
export const NOTIFICATION_DLQ_HEADERS = { channel: 'x-notification-channel', deliveryId: 'x-delivery-id', attempts: 'x-attempts' } as const;

/** The platform's envelope decoder, keeping the raw record so a failed delivery dead-letters it unchanged. */
const decode: DecodeFn<NotificationInput> = (message, origin) => {
  const result = decodeEnvelope(message, origin);
  return result.ok ? { ok: true, value: { envelope: result.value, message } } : result;
};

/** The notification worker: events → delivery outbox (MongoDB) → SMS / email / push providers. */
export function createApp(config: NotificationConfig, deps: AppDeps = {}): App {
  let dispatcher: Dispatcher | undefined;
  // Recipients, message texts and source records are sealed at rest: without keys, no start.
  const keyring = requireKeyring(config);
  const app = createConsumerApp<NotificationInput, NotificationConfig>({
    group: GROUP,
    config,
    decode,
    ...deps,
    async openSink({ registry, logger, kafka }): Promise<OpenedSink<NotificationInput>> {
      const mongo = await connectMongoFrom(config);
      const store = new NotificationStore(mongo.conn, keyring, mongo.dialect);
      await store.ensureIndexes(mongo.server);
      const providers = createProviders(config, logger);
      const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
      await producer.connect();
      const groupId = resolveGroupId(GROUP, config.TOPIC_PREFIX);
      const dlqTopic = resolveTopicName(GROUP.dlq, config.TOPIC_PREFIX);
      const dlqMetric = consumerMetrics(registry).dlq;
      const metrics = notificationMetrics(registry);
      const toDeadLetter = async (doc: DeliveryDoc, error: string) => {
        await producer.send({ topic: dlqTopic, acks: -1, messages: [deadLetterOf(doc, groupId, error)] });
        dlqMetric.inc({ group: groupId, code: 'INTERNAL' });
      };
      dispatcher = new Dispatcher({
        store,
        providers,
        deadLetter: toDeadLetter,
        metrics,
        logger,
        maxAttempts: config.NOTIFY_MAX_ATTEMPTS,
        retryBaseMs: config.NOTIFY_RETRY_BASE_MS,
        sendTimeoutMs: config.NOTIFY_SEND_TIMEOUT_MS,
        concurrency: config.NOTIFY_CONCURRENCY,
        sweepMs: config.NOTIFY_SWEEP_MS,
      });
      dispatcher.start();
      const d = dispatcher;
      return {
        sink: createNotificationSink({
          store,
          dispatcher: d,
          metrics,
          routes: config.NOTIFY_TENANT_ROUTES,
          optOuts: parseOptOuts(config.NOTIFY_OPT_OUTS).keys,
          enabled: new Set<Channel>(providers.keys()),
        }),
        async close() {
          // The consumer has stopped: finish calls in flight (bounded); queued rows stay owed in the outbox.
          await d.stop(Math.min(config.NOTIFY_SEND_TIMEOUT_MS + 1_000, config.SHUTDOWN_TIMEOUT_MS / 2));
          await Promise.all([...providers.values()].map((p) => p.close?.().catch(() => undefined)));
          await producer.disconnect().catch(() => undefined);
          await mongo.close();
        },
        describe: { dialect: mongo.dialect.name, dueLookup: store.dueMarkers ? 'marker collection' : 'nextAttemptAt index', keyId: keyring.currentId, providers: Object.fromEntries([...providers].map(([c, p]) => [c, p.kind])) },
      };
    },
  });
  return Object.defineProperty(app, 'dispatcher', { get: () => dispatcher, enumerable: true }) as App;
}

function deadLetterOf(doc: DeliveryDoc, groupId: string, error: string): Message {
  const { source } = doc;
  const message = deadLetter({
    message: sourceMessage(source),
    origin: { topic: source.topic, partition: source.partition, offset: source.offset },
    groupId,
    // The closed ErrorCode union has no provider code; INTERNAL, with the channel and attempts in headers.
    code: 'INTERNAL',
    error,
  });
  return {
    ...message,
    headers: { ...message.headers, [NOTIFICATION_DLQ_HEADERS.channel]: doc.channel, [NOTIFICATION_DLQ_HEADERS.deliveryId]: doc._id, [NOTIFICATION_DLQ_HEADERS.attempts]: String(doc.attempts) },
  };
}
