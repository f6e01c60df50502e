import { type ConsumerApp, type ConsumerAppOptions, type OpenedSink, createConsumerApp, keyAffinityAssigner } from '@medlives/consumer';
import type { Envelope } from '@medlives/events';
import { connectMongoFrom } from '@medlives/mongo';
import { createOrdersSink, ensureOrderIndexes } from '@medlives/orders';
import { CONSUMER_GROUPS } from '@medlives/topology';
import type { OrderPersistenceConfig } from './config';

export type App = ConsumerApp;
export type AppDeps = Pick<ConsumerAppOptions<Envelope, OrderPersistenceConfig>, 'logger' | 'registry' | 'onFatal'>;

/** The order-persistence worker: order, status and inventory events → MongoDB `orders`, in bulk. */
export function createApp(config: OrderPersistenceConfig, deps: AppDeps = {}): App {
  return createConsumerApp<Envelope, OrderPersistenceConfig>({
    group: CONSUMER_GROUPS.orderPersistence,
    config,
    ...deps,
    async openSink({ registry, logger }): Promise<OpenedSink<Envelope>> {
      const mongo = await connectMongoFrom(config);
      const { conn, dialect } = mongo;
      await ensureOrderIndexes(conn, dialect);
      return {
        sink: createOrdersSink({ conn, dialect, registry, logger }),
        // Without atomic conditional writes (FerretDB) one member must own all of an order's events.
        ...(dialect.atomicConditionalWrites ? {} : { partitionAssigners: [keyAffinityAssigner] }),
        close: () => mongo.close(),
        describe: { dialect: dialect.name },
      };
    },
  });
}
