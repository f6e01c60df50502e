import { Counter, type Registry } from 'prom-client';

export interface OrderMetrics {
  /** Round trips that write: one per bulkWrite command we issue (the bulk-write reduction). */
  readonly writeOps: Counter<'collection' | 'op'>;
  readonly readOps: Counter<'collection' | 'op'>;
  readonly documentsWritten: Counter<'collection' | 'op'>;
  readonly rejectedTransitions: Counter<'reason'>;
  readonly duplicateEvents: Counter<never>;
  readonly writeConflicts: Counter<never>;
}

const cache = new WeakMap<Registry, OrderMetrics>();

export function orderMetrics(registry: Registry): OrderMetrics {
  const existing = cache.get(registry);
  if (existing) return existing;
  const registers = [registry];
  const metrics: OrderMetrics = {
    writeOps: new Counter({
      name: 'medlives_mongo_write_operations_total',
      help: 'MongoDB write commands issued (a bulkWrite of many documents counts once)',
      labelNames: ['collection', 'op'],
      registers,
    }),
    readOps: new Counter({
      name: 'medlives_mongo_read_operations_total',
      help: 'MongoDB read commands issued by the writer',
      labelNames: ['collection', 'op'],
      registers,
    }),
    documentsWritten: new Counter({
      name: 'medlives_mongo_documents_written_total',
      help: 'Documents inserted or replaced',
      labelNames: ['collection', 'op'],
      registers,
    }),
    rejectedTransitions: new Counter({
      name: 'medlives_orders_rejected_transitions_total',
      help: 'Status changes recorded as rejected instead of applied',
      labelNames: ['reason'],
      registers,
    }),
    duplicateEvents: new Counter({
      name: 'medlives_orders_duplicate_events_total',
      help: 'Events already applied (re-delivery, replay): ignored',
      registers,
    }),
    writeConflicts: new Counter({
      name: 'medlives_orders_write_conflicts_total',
      help: 'Order writes that lost an optimistic-concurrency race and were recomputed',
      registers,
    }),
  };
  cache.set(registry, metrics);
  return metrics;
}
