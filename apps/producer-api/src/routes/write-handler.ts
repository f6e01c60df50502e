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

function accepted(route: WriteRoute, envelope: Envelope) {
  const data = envelope.data as Record<string, unknown>;
  return { eventId: envelope.eventId, [route.entityIdField]: data[route.entityIdField], status: 'accepted', correlationId: envelope.correlationId };
}

/** Validates the request and builds its event (the read model is asked only when the route needs it). */
async function buildFor(route: WriteRoute, deps: WriteDeps, req: Request, body: Record<string, unknown>, tenantCode: string): Promise<Envelope> {
  const principal = req.principal!;
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
  return buildEnvelope(route, data, { tenantCode, userId: principal.userId, role: principal.role, correlationId: req.correlationId!, now });
}

/**
 * With an Idempotency-Key the key is claimed first: a replay answers from the record even when
 * the order has moved on since. The built event is stored before it is published, and a publish
 * whose outcome is unknown keeps it, so a retry re-publishes the same event (same ids) instead of
 * building a second order.
 */
export function writeHandler(route: WriteRoute, deps: WriteDeps) {
  return async (req: Request, res: Response) => {
    const body = bodyObject(req, route.bodyOptional);
    const tenantCode = tenantFor(req.principal!, body.tenantCode);
    const key = req.get('idempotency-key');
    if (key !== undefined && !IDEMPOTENCY_KEY.test(key)) {
      throw new HttpError(400, 'BAD_IDEMPOTENCY_KEY', 'Idempotency-Key must be 1-128 letters, digits, . _ : -');
    }
    if (!key) {
      const envelope = await buildFor(route, deps, req, body, tenantCode);
      await write(deps, envelope);
      deps.metrics.accepted.inc({ event_type: route.eventType });
      res.status(202).json(accepted(route, envelope));
      return;
    }
    const scope = `${tenantCode}:${route.operationId}`;
    const claim = await deps.idempotency.claim(scope, key, requestHash(req.method, req.path, req.body));
    if (claim.kind === 'mismatch') throw new HttpError(422, 'IDEMPOTENCY_KEY_REUSED', 'this Idempotency-Key was used with a different request');
    if (claim.kind === 'in-progress') {
      const retryAfter = String(Math.max(1, Math.ceil(claim.retryAfterMs / 1000)));
      throw new HttpError(409, 'IDEMPOTENCY_IN_PROGRESS', 'a request with this Idempotency-Key is still in progress', undefined, { 'Retry-After': retryAfter });
    }
    if (claim.kind === 'replay') {
      deps.metrics.idempotentReplays.inc();
      res.status(claim.response.status).set('Idempotent-Replayed', 'true').json(claim.response.body);
      return;
    }
    let envelope: Envelope;
    if (claim.kind === 'redrive') {
      envelope = claim.envelope;
    } else {
      try {
        envelope = await buildFor(route, deps, req, body, tenantCode);
        await deps.idempotency.prepare(scope, key, envelope);
      } catch (error) {
        // Refused before anything could be published: the key is free for a corrected retry.
        await deps.idempotency.release(scope, key).catch(() => undefined);
        throw error;
      }
    }
    try {
      await write(deps, envelope);
    } catch (error) {
      // Kafka may still take it: keep the stored event so the retry sends the same one.
      await deps.idempotency.abandon(scope, key).catch(() => undefined);
      throw error;
    }
    const responseBody = accepted(route, envelope);
    deps.metrics.accepted.inc({ event_type: route.eventType });
    // Kafka has the event: answer 202 even if the record cannot be completed now; its lease
    // runs out and a retry re-drives the same envelope to the same answer.
    await deps.idempotency.complete(scope, key, { status: 202, body: responseBody }).catch(() => undefined);
    res.status(202).json(responseBody);
  };
}
