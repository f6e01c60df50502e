import { FactStore, analyticsMongoUrl } from '@medlives/analytics';
import { type ConsumerApp, type ConsumerAppOptions, type OpenedSink, createConsumerApp, keyAffinityAssigner } from '@medlives/consumer';
import type { Envelope } from '@medlives/events';
import { connectMongo } from '@medlives/mongo';
import { CONSUMER_GROUPS } from '@medlives/topology';
import type { AnalyticsConfig } from './config';
import { analyticsMetrics } from './metrics';
import { createAnalyticsSink } from './sink';

export type AppDeps = Pick<ConsumerAppOptions<Envelope, AnalyticsConfig>, 'logger' | 'registry' | 'onFatal'>;

/** analytics-service: order-events + status-updates → per-order facts in the analytics database. */
export function createApp(config: AnalyticsConfig, deps: AppDeps = {}): ConsumerApp {
  return createConsumerApp<Envelope, AnalyticsConfig>({
    group: CONSUMER_GROUPS.analytics,
    config,
    ...deps,
    async openSink({ registry, logger }): Promise<OpenedSink<Envelope>> {
      // A database of its own: analytics load and retention never touch the orders database.
      const mongo = await connectMongo(analyticsMongoUrl(config), { serverSelectionTimeoutMS: config.MONGO_SERVER_SELECTION_TIMEOUT_MS });
      const metrics = analyticsMetrics(registry);
      const store = new FactStore(mongo.conn, mongo.dialect, { onWriteCommand: () => metrics.writeCommands.inc(), onReadCommand: (n) => metrics.readCommands.inc(n) });
      await store.init();
      const sink = createAnalyticsSink({ store, metrics, timeZones: config.ANALYTICS_TENANT_TIMEZONES, logger });
      return {
        sink,
        // Without atomic conditional writes (FerretDB) one member must own all of a tenant's events.
        ...(mongo.dialect.atomicConditionalWrites ? {} : { partitionAssigners: [keyAffinityAssigner] }),
        async close() {
          await mongo.close();
        },
        describe: { server: mongo.server.kind, database: mongo.conn.name },
      };
    },
  });
}
