import { type ConsumerApp, type ConsumerAppOptions, type OpenedSink, createConsumerApp } from '@medlives/consumer';
import type { Envelope } from '@medlives/events';
import { connectMongoFrom } from '@medlives/mongo';
import { CONSUMER_GROUPS } from '@medlives/topology';
import type { DeliveryTrackingConfig } from './config';
import { createPositionSink } from './sink';
import { PositionStore } from './store/positions';

export type AppDeps = Pick<ConsumerAppOptions<Envelope, DeliveryTrackingConfig>, 'logger' | 'registry' | 'onFatal'>;

/** delivery-tracking-service: courier locations → the latest, expiring position per order. */
export function createApp(config: DeliveryTrackingConfig, deps: AppDeps = {}): ConsumerApp {
  return createConsumerApp<Envelope, DeliveryTrackingConfig>({
    group: CONSUMER_GROUPS.deliveryTracking,
    config,
    ...deps,
    async openSink({ registry, logger }): Promise<OpenedSink<Envelope>> {
      const mongo = await connectMongoFrom(config);
      const store = new PositionStore(mongo.conn, config.POSITION_TTL_HOURS * 3_600_000);
      await store.init(mongo.server, { logger, sweepEveryMs: config.POSITION_SWEEP_MS });
      return {
        sink: createPositionSink(store, registry),
        async close() {
          store.close();
          await mongo.close();
        },
        describe: { server: mongo.server.kind, expiry: store.ttlIndex ? 'ttl-index' : 'sweep' },
      };
    },
  });
}
