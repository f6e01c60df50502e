import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import { AppError } from '@medlives/errors';
import { type EncodedEvent, type Envelope, Id, createEvent, encodeEvent } from '@medlives/events';

export interface AuditOptions {
  /** Sends the audit event to Kafka (acks=all); rejects when it was not acknowledged in time. */
  readonly publish: (event: EncodedEvent) => Promise<unknown>;
  readonly prefix: string;
  readonly logger: Logger;
  readonly registry: Registry;
}

type Kind = 'read' | 'write';
type Outcome = 'success' | 'denied' | 'not_found' | 'invalid' | 'failed';

const WRITES = new Set(['POST', 'PATCH', 'PUT', 'DELETE']);
/** Writes that change nothing (validation only) are not audited. */
const NOT_WRITES = new Set(['/orders/validate']);
const SUBJECT_PARAMS = [
  ['patientId', 'patient'],
  ['orderId', 'order'],
  ['appointmentId', 'appointment'],
  ['prescriptionId', 'prescription'],
  ['recordId', 'health_record'],
  ['productId', 'product'],
] as const;

/** Which requests are audited: writes, and reads of patient data (care records, notifications about a patient). */
export function auditKind(req: Pick<Request, 'method' | 'path' | 'query'>): Kind | undefined {
  if (WRITES.has(req.method)) return NOT_WRITES.has(req.path) ? undefined : 'write';
  if (req.method !== 'GET') return undefined;
  if (/^\/patients\/[^/]+/.test(req.path)) return 'read';
  if (req.path === '/notifications' && req.query.patientId !== undefined) return 'read';
  return undefined;
}

export function outcomeOf(status: number): Outcome {
  if (status < 400) return 'success';
  if (status === 401 || status === 403) return 'denied';
  if (status === 404) return 'not_found';
  if (status < 500 && status !== 429) return 'invalid';
  return 'failed';
}

function decoded(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return '';
  }
}

const validId = (v: unknown): string | undefined => (typeof v === 'string' && Id.safeParse(v).success ? v : undefined);

/** What the request was about: the patient first (patient data), else the entity it names. */
function subjectOf(req: Request, body: unknown): { subjectId: string; subjectType: string; resourceId?: string } {
  // Patient routes are audited by their path, whichever router (or none) answered.
  const patient = validId(decoded(/^\/api\/v1\/patients\/([^/?]+)/.exec(req.originalUrl)?.[1] ?? ''));
  if (patient) return { subjectId: patient, subjectType: 'patient', resourceId: patient };
  const sources = [req.params ?? {}, req.query ?? {}, (req.body ?? {}) as Record<string, unknown>, (body ?? {}) as Record<string, unknown>];
  for (const [field, type] of SUBJECT_PARAMS) {
    for (const source of sources) {
      const id = validId((source as Record<string, unknown>)[field]);
      if (id) return { subjectId: id, subjectType: type, resourceId: id };
    }
  }
  return { subjectId: req.principal!.tenantCode, subjectType: 'tenant' };
}

function auditEvent(req: Request, res: Response, kind: Kind, responseBody: unknown): Envelope {
  const principal = req.principal!;
  const matched = (req.route as { path?: unknown } | undefined)?.path;
  // The route's pattern, not the raw URL (ids stay out of the action); unmatched: the path itself.
  const route = typeof matched === 'string' ? `${req.baseUrl}${matched}` : req.originalUrl.split('?')[0]!;
  const action = `${req.method} ${route.replace(/:(\w+)/g, '{$1}')}`.slice(0, 200);
  const { subjectId, subjectType, resourceId } = subjectOf(req, responseBody);
  const resource = route.replace(/^\/api\/v1/, '').split('/').filter((s) => s && !s.startsWith(':')).join('.') || 'api';
  const asked = (req.query?.tenantCode ?? (req.body as Record<string, unknown> | undefined)?.tenantCode) as unknown;
  const targetTenant = typeof asked === 'string' && asked !== principal.tenantCode ? asked.slice(0, 64) : undefined;
  const common = { action, outcome: outcomeOf(res.statusCode), httpStatus: res.statusCode, subjectId, subjectType, resource: resource.slice(0, 100), ...(resourceId ? { resourceId } : {}), ...(targetTenant ? { targetTenant } : {}) };
  const base = { tenantCode: principal.tenantCode, source: 'producer-api', actor: { userId: principal.userId, role: principal.role }, correlationId: req.correlationId! };
  if (kind === 'read') return createEvent({ ...base, eventType: 'data.accessed', data: common as never });
  const eventId = validId((responseBody as { eventId?: unknown } | undefined)?.eventId);
  const fields = Object.keys(req.body && typeof req.body === 'object' ? (req.body as object) : {}).filter((f) => /^[A-Za-z0-9_.-]{1,100}$/.test(f)).slice(0, 100);
  return createEvent({ ...base, eventType: 'data.modified', data: { ...common, fields, ...(eventId ? { eventId } : {}) } as never });
}

/**
 * Every accepted (or denied) write and every read of patient data publishes an `audit-events`
 * record before the answer leaves: who (the key's id, tenant and role), what (action, subject),
 * when, the correlation id, and how it ended. Reads are fail-closed: when the audit record cannot
 * be published, a successful read answers 503 AUDIT_UNAVAILABLE instead of the data (a denial is
 * still answered as a denial — it discloses nothing). A write that Kafka already accepted keeps
 * its 202 — its own event on the topic records the change with actor and correlation id — and
 * the missing audit record is logged and counted (`medlives_audit_publish_failures_total`).
 */
export function auditTrail(options: AuditOptions) {
  const published = new Counter({ name: 'medlives_audit_events_total', help: 'Audit events published by the API', labelNames: ['kind', 'outcome'], registers: [options.registry] });
  const failures = new Counter({ name: 'medlives_audit_publish_failures_total', help: 'Audit events the API could not publish (reads were refused with 503)', labelNames: ['kind'], registers: [options.registry] });
  return (req: Request, res: Response, next: NextFunction) => {
    const kind = auditKind(req);
    if (!kind || !req.principal) return next();
    const json = res.json.bind(res);
    res.json = ((body: unknown) => {
      res.json = json;
      const outcome = outcomeOf(res.statusCode);
      // Writes: what the API accepted or refused to this key; validation failures change nothing.
      if (kind === 'write' && outcome !== 'success' && outcome !== 'denied') return json(body);
      let sent: Promise<unknown>;
      try {
        sent = options.publish(encodeEvent(auditEvent(req, res, kind, body), { prefix: options.prefix }));
      } catch (error) {
        sent = Promise.reject(error);
      }
      sent.then(
        () => {
          published.inc({ kind, outcome });
          json(body);
        },
        (error: unknown) => {
          failures.inc({ kind });
          options.logger.error({ err: error, correlationId: req.correlationId, path: req.path, kind }, 'audit event not published');
          if (kind === 'read' && outcome === 'success') {
            const code = error instanceof AppError ? error.code : 'INTERNAL';
            res.status(503).set('Retry-After', '2');
            json({ error: { code: 'AUDIT_UNAVAILABLE', message: `the read was not served: its audit record could not be written (${code}); retry later`, correlationId: req.correlationId } });
            return;
          }
          json(body);
        },
      );
      return res;
    }) as Response['json'];
    next();
  };
}
