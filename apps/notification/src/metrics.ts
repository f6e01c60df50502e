import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface NotificationMetrics {
  /** outcome: sent | retried | failed | unknown | skipped */
  readonly deliveries: Counter<'channel' | 'outcome'>;
  readonly sendDuration: Histogram<'channel' | 'result'>;
  /** From the delivery record's creation (event consumed) to the provider's acceptance. */
  readonly latency: Histogram<'channel'>;
  readonly inFlight: Gauge<'channel'>;
  readonly queued: Gauge<'channel'>;
}

const cache = new WeakMap<Registry, NotificationMetrics>();

/** Get-or-create per registry (STYLE: one registration per metric). */
export function notificationMetrics(registry: Registry): NotificationMetrics {
  const existing = cache.get(registry);
  if (existing) return existing;
  const registers = [registry];
  const metrics: NotificationMetrics = {
    deliveries: new Counter({
      name: 'medlives_notification_deliveries_total',
      help: 'Notification deliveries by channel and outcome (sent, retried, failed, unknown, skipped)',
      labelNames: ['channel', 'outcome'],
      registers,
    }),
    sendDuration: new Histogram({
      name: 'medlives_notification_send_duration_seconds',
      help: 'Provider call duration by channel and result (ok, error)',
      labelNames: ['channel', 'result'],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    latency: new Histogram({
      name: 'medlives_notification_delivery_latency_seconds',
      help: 'Event consumed to notification accepted by the provider',
      labelNames: ['channel'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      registers,
    }),
    inFlight: new Gauge({ name: 'medlives_notification_in_flight', help: 'Provider calls in flight', labelNames: ['channel'], registers }),
    queued: new Gauge({ name: 'medlives_notification_queued', help: 'Deliveries waiting in memory for a provider slot', labelNames: ['channel'], registers }),
  };
  cache.set(registry, metrics);
  return metrics;
}
