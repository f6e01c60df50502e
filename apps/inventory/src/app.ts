import { type ConsumerApp, type ConsumerAppOptions, type OpenedSink, createConsumerApp, keyAffinityAssigner } from '@medlives/consumer';
import type { Envelope } from '@medlives/events';
import { InventoryStore, OrderReservations } from '@medlives/inventory';
import { connectMongoFrom } from '@medlives/mongo';
import { CONSUMER_GROUPS } from '@medlives/topology';
import type { InventoryConfig } from './config';
import { createInventorySink } from './sink';

export type AppDeps = Pick<ConsumerAppOptions<Envelope, InventoryConfig>, 'logger' | 'registry' | 'onFatal'>;

/** inventory-service: order-events + status-updates → stock moves, outcomes → inventory-events. */
export function createApp(config: InventoryConfig, deps: AppDeps = {}): ConsumerApp {
  return createConsumerApp<Envelope, InventoryConfig>({
    group: CONSUMER_GROUPS.inventory,
    config,
    ...deps,
    async openSink({ kafka, registry, logger }): Promise<OpenedSink<Envelope>> {
      const mongo = await connectMongoFrom(config);
      const store = new InventoryStore(mongo.conn);
      store.init(mongo.server);
      const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
      await producer.connect();
      const sink = createInventorySink({ reservations: new OrderReservations(mongo.conn, store), producer, prefix: config.TOPIC_PREFIX, registry, logger });
      return {
        sink,
        // Without atomic document updates (FerretDB) one member must own all of an order's events.
        ...(mongo.dialect.atomicConditionalWrites ? {} : { partitionAssigners: [keyAffinityAssigner] }),
        async close() {
          await producer.disconnect();
          await mongo.close();
        },
        describe: { server: mongo.server.kind },
      };
    },
  });
}
