import type { NextFunction, Request, Response } from 'express';
import { Counter, Histogram, type Registry } from 'prom-client';

export function apiMetrics(registry: Registry) {
  return {
    httpDuration: new Histogram({
      name: 'medlives_http_request_duration_seconds',
      help: 'HTTP request duration by route and status',
      labelNames: ['method', 'route', 'status'] as const,
      buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    sendDuration: new Histogram({
      name: 'medlives_producer_send_duration_seconds',
      help: 'Kafka produce latency per batch (acks=all)',
      labelNames: ['outcome'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2],
      registers: [registry],
    }),
    batchSize: new Histogram({
      name: 'medlives_producer_batch_size',
      help: 'Records per coalesced produce request',
      buckets: [1, 2, 5, 10, 25, 50, 100, 250, 500],
      registers: [registry],
    }),
    producerErrors: new Counter({
      name: 'medlives_producer_errors_total',
      help: 'Records Kafka did not acknowledge, by error code',
      labelNames: ['code'] as const,
      registers: [registry],
    }),
    accepted: new Counter({
      name: 'medlives_events_accepted_total',
      help: 'Events accepted (202) by type',
      labelNames: ['event_type'] as const,
      registers: [registry],
    }),
    idempotentReplays: new Counter({
      name: 'medlives_idempotent_replays_total',
      help: 'Requests answered from the Idempotency-Key store',
      registers: [registry],
    }),
    rateLimited: new Counter({
      name: 'medlives_rate_limited_total',
      help: 'Requests refused by the per-tenant rate limit',
      labelNames: ['tenant'] as const,
      registers: [registry],
    }),
    mongoWrites: new Counter({
      name: 'medlives_mongo_write_operations_total',
      help: 'MongoDB write operations issued by the API',
      labelNames: ['collection', 'op'] as const,
      registers: [registry],
    }),
  };
}

export type ApiMetrics = ReturnType<typeof apiMetrics>;

/** Observes every response with its route pattern (not the raw URL, which would explode label cardinality). */
export function observeRequests(metrics: ApiMetrics) {
  return (req: Request, res: Response, next: NextFunction) => {
    const stop = metrics.httpDuration.startTimer();
    res.once('finish', () => {
      const route = req.route?.path ? `${req.baseUrl}${String(req.route.path)}` : 'unmatched';
      stop({ method: req.method, route, status: String(res.statusCode) });
    });
    next();
  };
}
