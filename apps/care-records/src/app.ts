import { hostname } from 'node:os';
import type { Producer } from 'kafkajs';
import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import { CareStore, sweepReminders } from '@medlives/care';
import { type ConsumerApp, type ConsumerAppOptions, type OpenedSink, createConsumerApp } from '@medlives/consumer';
import { requireKeyring } from '@medlives/crypto';
import { AppError } from '@medlives/errors';
import { type Envelope, encodeEvent } from '@medlives/events';
import { type MongoHandle, connectMongoFrom } from '@medlives/mongo';
import { CONSUMER_GROUPS } from '@medlives/topology';
import type { CareRecordsConfig } from './config';
import { createCareSink } from './sink';

export type AppDeps = Pick<ConsumerAppOptions<Envelope, CareRecordsConfig>, 'logger' | 'registry' | 'onFatal'>;

/** care-records-service: appointment, prescription and health-record events → sealed patient records. */
export function createApp(config: CareRecordsConfig, deps: AppDeps = {}): ConsumerApp {
  const keyring = requireKeyring(config);
  return createConsumerApp<Envelope, CareRecordsConfig>({
    group: CONSUMER_GROUPS.careRecords,
    config,
    ...deps,
    async openSink({ kafka, registry, logger }): Promise<OpenedSink<Envelope>> {
      const mongo = await connectMongoFrom(config);
      const store = new CareStore(mongo.conn, keyring, mongo.dialect);
      const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
      await producer.connect();
      const reminders = startReminders(config, mongo, producer, registry, logger);
      return {
        sink: createCareSink({ store, registry, logger }),
        async close() {
          await reminders.stop();
          await producer.disconnect();
          await mongo.close();
        },
        describe: { server: mongo.server.kind, keyId: keyring.currentId, keys: keyring.ids.length, reminderWindowMinutes: config.REMINDER_WINDOW_MINUTES },
      };
    },
  });
}

/** The reminder loop of this replica; every replica runs one, the claims make each reminder once. */
function startReminders(config: CareRecordsConfig, mongo: MongoHandle, producer: Producer, registry: Registry, logger: Logger): { stop(): Promise<void> } {
  const sent = new Counter({ name: 'medlives_care_reminders_total', help: 'appointment.reminder events published by this replica', registers: [registry] });
  const sweeps = new Counter({ name: 'medlives_care_reminder_sweeps_total', help: 'Reminder sweeps this replica completed', registers: [registry] });
  if (config.REMINDER_SWEEP_MS === 0) return { stop: async () => undefined };
  const owner = `${config.HOSTNAME ?? hostname()}-${process.pid}`;
  let running: Promise<void> | undefined;
  let stopped = false;
  const publish = async (events: Envelope[]) => {
    try {
      await producer.send({ topic: encodeEvent(events[0]!, { prefix: config.TOPIC_PREFIX }).topic, acks: -1, messages: events.map((e) => encodeEvent(e, { prefix: config.TOPIC_PREFIX }).message as never) });
    } catch (error) {
      throw new AppError('KAFKA_UNAVAILABLE', `publishing reminders failed: ${(error as Error).message}`, { cause: error });
    }
  };
  const tick = () => {
    if (stopped || running) return;
    running = sweepReminders(mongo.conn, { windowMs: config.REMINDER_WINDOW_MINUTES * 60_000, leaseMs: config.REMINDER_LEASE_MS, owner, publish })
      .then((r) => {
        sent.inc(r.published);
        sweeps.inc();
        if (r.published) logger.info(r, 'appointment reminders published');
      })
      .catch((error: unknown) => logger.warn({ err: error }, 'reminder sweep failed; the next sweep retries'))
      .finally(() => {
        running = undefined;
      });
  };
  const timer = setInterval(tick, config.REMINDER_SWEEP_MS);
  timer.unref();
  tick();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
