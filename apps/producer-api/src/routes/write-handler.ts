import type { Request, Response } from 'express';
import { encodeEvent, type Envelope, type OrderStatus } from '@medlives/events';
import type { WriteMode } from '../config';
import { buildData, buildEnvelope, checkData, checkTransition } from '../domain/build-event';
import { tenantFor } from '../http/auth';
import { HttpError } from '../http/errors';
import type { ApiMetrics } from '../http/metrics';
import type { BatchingPublisher } from '../publisher';
import type { DirectWriter } from '../store/direct-writer';
import { type IdempotencyStore, requestHash } from '../store/idempotency';
import type { BuildContext } from '../domain/write-spec';
import type { WriteRoute } from './write-routes';

export interface WriteDeps {
  mode: WriteMode;
  topicPrefix: string;
  publisher: BatchingPublisher;
  direct: DirectWriter;
  idempotency: IdempotencyStore;
  metrics: ApiMetrics;
  /** Current order state from the read model; null when the order is not (yet) known. */
  currentStatus(tenantCode: string, orderId: string): Promise<{ status: OrderStatus; deleted: boolean } | null>;
}

const IDEMPOTENCY_KEY = /^[A-Za-z0-9._:-]{1,128}$/;

export function bodyObject(req: Request, optional = false): Record<string, unknown> {
  const body: unknown = req.body;
  if (body === undefined || (optional && body !== null && typeof body === 'object' && Object.keys(body).length === 0)) {
    if (optional) return {};
    throw new HttpError(422, 'SCHEMA_INVALID', 'a JSON object body is required', [{ path: '(root)', message: 'required' }]);
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new HttpError(422, 'SCHEMA_INVALID', 'the body must be a JSON object', [{ path: '(root)', message: 'must be an object' }]);
  }
  return body as Record<string, unknown>;
}

async function write(deps: WriteDeps, envelope: Envelope): Promise<void> {
  if (deps.mode !== 'direct') await deps.publisher.publish(encodeEvent(envelope, { prefix: deps.topicPrefix }));
  if (deps.mode !== 'kafka') await deps.direct.insert(envelope);
}

export function writeHandler(route: WriteRoute, deps: WriteDeps) {
  return async (req: Request, res: Response) => {
    const principal = req.principal!;
    const body = bodyObject(req, route.bodyOptional);
    const tenantCode = tenantFor(principal, body.tenantCode);
    const now = new Date();
    const ctx: BuildContext = { params: req.params as Record<string, string>, tenantCode, userId: principal.userId, now };
    let data = buildData(route, body, ctx);
    checkData(route, data);
    if (route.needsCurrentStatus) {
      const current = await deps.currentStatus(tenantCode, String(req.params.orderId));
      if (current?.deleted) throw new HttpError(409, 'ORDER_DELETED', 'the order was deleted', undefined, {}, { currentStatus: current.status });
      checkTransition(current?.status, data.newStatus);
      data = buildData(route, body, { ...ctx, currentStatus: current?.status ?? null });
    }
    const envelope = buildEnvelope(route, data, { tenantCode, userId: principal.userId, role: principal.role, correlationId: req.correlationId!, now });

    const key = req.get('idempotency-key');
    if (key !== undefined && !IDEMPOTENCY_KEY.test(key)) {
      throw new HttpError(400, 'BAD_IDEMPOTENCY_KEY', 'Idempotency-Key must be 1-128 letters, digits, . _ : -');
    }
    const scope = `${tenantCode}:${route.operationId}`;
    if (key) {
      const claim = await deps.idempotency.claim(scope, key, requestHash(req.method, req.path, req.body));
      if (claim.kind === 'mismatch') throw new HttpError(422, 'IDEMPOTENCY_KEY_REUSED', 'this Idempotency-Key was used with a different request');
      if (claim.kind === 'in-progress') throw new HttpError(409, 'IDEMPOTENCY_IN_PROGRESS', 'a request with this Idempotency-Key is still in progress', undefined, { 'Retry-After': '1' });
      if (claim.kind === 'replay') {
        deps.metrics.idempotentReplays.inc();
        res.status(claim.response.status).set('Idempotent-Replayed', 'true').json(claim.response.body);
        return;
      }
    }
    try {
      await write(deps, envelope);
    } catch (error) {
      if (key) await deps.idempotency.release(scope, key).catch(() => undefined);
      throw error;
    }
    const responseBody = { eventId: envelope.eventId, [route.entityIdField]: data[route.entityIdField], status: 'accepted', correlationId: envelope.correlationId };
    deps.metrics.accepted.inc({ event_type: route.eventType });
    if (key) await deps.idempotency.complete(scope, key, { status: 202, body: responseBody });
    res.status(202).json(responseBody);
  };
}
