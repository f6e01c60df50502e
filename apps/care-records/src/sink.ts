import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import type { Sink, SinkEvent, SinkResult } from '@medlives/consumer';
import type { CareStore } from '@medlives/care';
import type { Envelope } from '@medlives/events';

export interface CareSinkOptions {
  readonly store: CareStore;
  readonly registry: Registry;
  readonly logger: Logger;
}

/**
 * Batches of care events → the care store. The store reads each record once per batch, folds the
 * events in partition order and writes the records that changed; events it cannot apply (an
 * update of a record never created, a record whose ciphertext no longer opens) go to the DLQ with
 * the reason, the rest of the batch commits.
 */
export function createCareSink(options: CareSinkOptions): Sink<Envelope> {
  const events = new Counter({
    name: 'medlives_care_events_total',
    help: 'Care events by what they did to their record (applied, skipped as already applied, rejected by the status machine, unknown record, ignored)',
    labelNames: ['outcome'],
    registers: [options.registry],
  });
  const writes = new Counter({ name: 'medlives_care_records_written_total', help: 'Care record documents inserted or replaced', registers: [options.registry] });
  return {
    async write(batch: readonly SinkEvent<Envelope>[]): Promise<SinkResult> {
      const result = await options.store.write(batch.map((b) => ({ event: b.value, at: b.origin })));
      for (const outcome of result.outcomes) events.inc({ outcome });
      writes.inc(result.written);
      for (const r of result.refused) options.logger.warn({ eventId: batch[r.index]?.value.eventId, code: r.error.code }, r.error.message);
      return { rejected: result.refused };
    },
  };
}
