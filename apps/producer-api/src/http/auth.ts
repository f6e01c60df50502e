import { createHash } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { TenantCode } from '@medlives/events';
import type { ApiKey } from '../config';
import { HttpError } from './errors';

export interface Principal {
  tenantCode: string;
  role: 'tenant' | 'admin';
  /** Stable, non-secret id for logs and the event actor. */
  userId: string;
}

declare module 'express-serve-static-core' {
  interface Request {
    principal?: Principal;
    correlationId?: string;
  }
}

const digest = (key: string) => createHash('sha256').update(key).digest('hex');

/** Bearer API keys. Keys are looked up by digest so the raw secret is never a map key or logged. */
export function authenticate(keys: readonly ApiKey[]) {
  const byDigest = new Map(keys.map((k) => [digest(k.key), { tenantCode: k.tenantCode, role: k.role, userId: `key-${digest(k.key).slice(0, 12)}` }]));
  return (req: Request, _res: Response, next: NextFunction) => {
    const header = req.get('authorization');
    const match = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
    if (!match) return next(new HttpError(401, 'UNAUTHORIZED', 'missing Authorization: Bearer <key>'));
    const principal = byDigest.get(digest(match[1]!));
    if (!principal) return next(new HttpError(401, 'UNAUTHORIZED', 'unknown API key'));
    req.principal = principal;
    next();
  };
}

/** The tenant a write acts for: the credential's own. Naming another tenant in the body is refused. */
export function tenantFor(principal: Principal, requested: unknown): string {
  if (requested !== undefined && requested !== principal.tenantCode) {
    if (principal.role !== 'admin') throw new HttpError(403, 'FORBIDDEN', `this key cannot act for tenant ${String(requested)}`);
    const parsed = TenantCode.safeParse(requested);
    if (!parsed.success) throw new HttpError(422, 'SCHEMA_INVALID', 'invalid tenantCode', [{ path: 'tenantCode', message: parsed.error.issues[0]?.message ?? 'invalid' }]);
    return parsed.data;
  }
  if (principal.role === 'admin' && requested === undefined) {
    throw new HttpError(422, 'SCHEMA_INVALID', 'admin writes must name the tenant', [{ path: 'tenantCode', message: 'required for the admin role' }]);
  }
  return principal.tenantCode;
}

/** Reads: a tenant sees its own data; an admin any tenant's. */
export function readScope(principal: Principal): { tenantCode: string } | { admin: true } {
  return principal.role === 'admin' ? { admin: true } : { tenantCode: principal.tenantCode };
}
