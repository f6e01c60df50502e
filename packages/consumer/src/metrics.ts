import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/**
 * Consumer metrics. The names are a contract with the PrometheusRule alerts and the dashboard
 * (cdk8s/src/monitoring.ts): keep them exactly.
 */
export interface ConsumerMetrics {
  readonly lag: Gauge<'group' | 'topic' | 'partition'>;
  readonly events: Counter<'group' | 'topic' | 'outcome'>;
  readonly errors: Counter<'group' | 'code'>;
  readonly dlq: Counter<'group' | 'code'>;
  readonly batchSize: Histogram<'group'>;
  readonly batchDuration: Histogram<'group'>;
  readonly retries: Counter<'group' | 'code'>;
  readonly paused: Gauge<'group'>;
  readonly commits: Counter<'group'>;
  readonly fatal: Counter<'group' | 'code'>;
}

const cache = new WeakMap<Registry, ConsumerMetrics>();

/** One set per registry: several runtimes (tests) may share a registry. */
export function consumerMetrics(registry: Registry): ConsumerMetrics {
  const existing = cache.get(registry);
  if (existing) return existing;
  const registers = [registry];
  const metrics: ConsumerMetrics = {
    lag: new Gauge({
      name: 'medlives_kafka_consumer_lag',
      help: 'Records between the group committed offset and the partition end (high watermark)',
      labelNames: ['group', 'topic', 'partition'],
      registers,
    }),
    events: new Counter({
      name: 'medlives_consumer_events_total',
      help: 'Records handled, by outcome: processed (sink ok) or dlq',
      labelNames: ['group', 'topic', 'outcome'],
      registers,
    }),
    errors: new Counter({
      name: 'medlives_consumer_errors_total',
      help: 'Processing errors by AppError code, transient and permanent',
      labelNames: ['group', 'code'],
      registers,
    }),
    dlq: new Counter({
      name: 'medlives_consumer_dlq_total',
      help: 'Records dead-lettered, by error code',
      labelNames: ['group', 'code'],
      registers,
    }),
    batchSize: new Histogram({
      name: 'medlives_consumer_batch_size',
      help: 'Records per flushed batch',
      labelNames: ['group'],
      buckets: [1, 5, 10, 25, 50, 100, 250, 500, 1000],
      registers,
    }),
    batchDuration: new Histogram({
      name: 'medlives_consumer_batch_duration_seconds',
      help: 'Time to write a batch to the sink, dead-letter its poison and commit',
      labelNames: ['group'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    retries: new Counter({
      name: 'medlives_consumer_retries_total',
      help: 'Batches handed back for re-delivery after a transient fault',
      labelNames: ['group', 'code'],
      registers,
    }),
    paused: new Gauge({
      name: 'medlives_consumer_paused_partitions',
      help: 'Partitions paused while the sink recovers',
      labelNames: ['group'],
      registers,
    }),
    commits: new Counter({
      name: 'medlives_consumer_commits_total',
      help: 'Offset commits after successful batches',
      labelNames: ['group'],
      registers,
    }),
    fatal: new Counter({
      name: 'medlives_consumer_fatal_errors_total',
      help: 'Permanent failures to dead-letter or commit: the worker stops and exits to be restarted',
      labelNames: ['group', 'code'],
      registers,
    }),
  };
  cache.set(registry, metrics);
  return metrics;
}
