import type { NextFunction, Request, Response } from 'express';
import type { Counter } from 'prom-client';
import { HttpError } from './errors';

interface Bucket {
  tokens: number;
  updated: number;
}

/** Token bucket per tenant: `ratePerSecond` refill, `burst` capacity. Per replica, by design cheap. */
export function rateLimit(options: { ratePerSecond: number; burst: number; now?: () => number }, limited: Counter<'tenant'>) {
  const buckets = new Map<string, Bucket>();
  const now = options.now ?? Date.now;
  return (req: Request, _res: Response, next: NextFunction) => {
    const tenant = req.principal?.tenantCode ?? 'anonymous';
    const t = now();
    const bucket = buckets.get(tenant) ?? { tokens: options.burst, updated: t };
    bucket.tokens = Math.min(options.burst, bucket.tokens + ((t - bucket.updated) / 1000) * options.ratePerSecond);
    bucket.updated = t;
    buckets.set(tenant, bucket);
    if (bucket.tokens < 1) {
      limited.inc({ tenant });
      const retryAfter = Math.max(1, Math.ceil((1 - bucket.tokens) / options.ratePerSecond));
      return next(new HttpError(429, 'RATE_LIMITED', `tenant ${tenant} exceeded ${options.ratePerSecond} requests/s`, undefined, { 'Retry-After': String(retryAfter) }));
    }
    bucket.tokens -= 1;
    next();
  };
}
