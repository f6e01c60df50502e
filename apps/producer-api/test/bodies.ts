import { sampleData } from '@medlives/testkit';
import type { WriteRoute } from '../src/routes/write-routes';

/** A valid request for a write route, derived from the event's sample data. */
export function validRequest(route: WriteRoute, entityId = `${route.entityIdField}-${Math.random().toString(36).slice(2, 8)}`) {
  const sample = sampleData(route.eventType) as Record<string, unknown>;
  const params = Object.fromEntries(Object.values(route.pathFields).map((p) => [p, entityId]));
  let body: Record<string, unknown>;
  if (route.customBody) body = { status: 'paid', reason: 'card payment' };
  else if (route.bodyAt === 'changes') body = { ...(sample.changes as Record<string, unknown>) };
  else {
    const { tenantCode: _t, ...rest } = sample;
    for (const field of Object.keys(route.pathFields)) delete rest[field];
    if (route.generatedId) rest[route.generatedId.field] = entityId;
    body = rest;
  }
  // Fields only the server sets (an order's status and payment) are not the client's to send.
  for (const field of Object.keys(route.serverFields ?? {})) delete body[field];
  if (route.bodyAt === 'changes' && Object.keys(body).length === 0) body = { deliveryDate: '2026-12-24T10:00:00.000Z' };
  const path = route.path.replace(/:(\w+)/g, (_m, name: string) => encodeURIComponent(params[name] ?? entityId));
  return { path: `/api/v1${path}`, body, entityId };
}

/** The same request with its first field given the wrong type; returns the field it broke. */
export function malformedRequest(route: WriteRoute) {
  const valid = validRequest(route);
  const field = Object.keys(valid.body).find((k) => k !== route.generatedId?.field) ?? Object.keys(valid.body)[0]!;
  const current = valid.body[field];
  return { ...valid, body: { ...valid.body, [field]: typeof current === 'string' ? 12345 : 'wrong-type' }, field };
}
