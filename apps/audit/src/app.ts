import { Counter } from 'prom-client';
import { type ConsumerApp, type ConsumerAppOptions, type OpenedSink, createConsumerApp } from '@medlives/consumer';
import type { Envelope } from '@medlives/events';
import { connectMongoFrom } from '@medlives/mongo';
import { CONSUMER_GROUPS } from '@medlives/topology';
import type { AuditConfig } from './config';
import { AuditStore, toAuditDoc } from './store/audit-store';

export type AppDeps = Pick<ConsumerAppOptions<Envelope, AuditConfig>, 'logger' | 'registry' | 'onFatal'>;

/** audit-service: audit-events → the append-only audit trail in MongoDB (batched). */
export function createApp(config: AuditConfig, deps: AppDeps = {}): ConsumerApp {
  return createConsumerApp<Envelope, AuditConfig>({
    group: CONSUMER_GROUPS.audit,
    config,
    ...deps,
    async openSink({ registry }): Promise<OpenedSink<Envelope>> {
      const mongo = await connectMongoFrom(config);
      const store = new AuditStore(mongo.conn);
      await store.init(mongo.dialect);
      const appended = new Counter({ name: 'medlives_audit_records_total', help: 'Audit records appended (new) and seen again (replays)', labelNames: ['result'], registers: [registry] });
      return {
        sink: {
          async write(batch) {
            const now = new Date();
            const added = await store.append(batch.map(({ value }) => toAuditDoc(value, now)));
            appended.inc({ result: 'new' }, added);
            appended.inc({ result: 'replay' }, batch.length - added);
          },
        },
        close: () => mongo.close(),
        describe: { server: mongo.server.kind },
      };
    },
  });
}
