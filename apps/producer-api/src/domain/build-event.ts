import type { z } from 'zod';
import { type Envelope, type FieldIssue, type OrderStatus, canTransition, createEvent, toFieldIssues } from '@medlives/events';
import { AppError } from '@medlives/errors';
import { HttpError } from '../http/errors';
import type { BuildContext, WriteRoute } from '../routes/write-routes';
import { newId } from '../routes/write-routes';

function hasField(schema: z.ZodType, field: string): boolean {
  const shape = (schema as unknown as { shape?: Record<string, unknown> }).shape;
  return shape !== undefined && field in shape;
}

function invalid(issues: FieldIssue[]): HttpError {
  return new HttpError(422, 'SCHEMA_INVALID', `invalid request: ${issues.map((i) => i.path).join(', ')}`, issues);
}

/** Issue paths are reported as the client wrote them: body fields, or `params.x` for URL parts. */
function relocate(route: WriteRoute, issues: FieldIssue[]): FieldIssue[] {
  return issues.map((issue) => {
    const [head, ...rest] = issue.path.split('.');
    if (head && head in route.pathFields) return { ...issue, path: `params.${route.pathFields[head]}` };
    if (route.bodyAt === 'changes' && head === 'changes') return { ...issue, path: rest.join('.') || '(root)' };
    return issue;
  });
}

/** Body + URL + credential → event data for the route. Throws 422 naming every bad field. */
export function buildData(route: WriteRoute, body: Record<string, unknown>, ctx: BuildContext): Record<string, unknown> {
  for (const field of Object.keys(route.pathFields)) {
    if (field in body && route.bodyAt === 'root' && !route.customBody) {
      throw invalid([{ path: field, message: `comes from the URL path and must not be in the body` }]);
    }
  }
  const fromPath = Object.fromEntries(Object.entries(route.pathFields).map(([field, param]) => [field, ctx.params[param]]));
  const tenant = hasField(route.dataSchema, 'tenantCode') ? { tenantCode: ctx.tenantCode } : {};
  if (route.customBody) {
    const parsed = route.customBody.schema.safeParse(body);
    if (!parsed.success) throw invalid(toFieldIssues(parsed.error));
    return route.customBody.build(parsed.data as Record<string, unknown>, ctx);
  }
  if (route.bodyAt === 'changes') return { ...fromPath, ...tenant, changes: body };
  const { tenantCode: _ignored, ...rest } = body;
  const generated = route.generatedId && rest[route.generatedId.field] === undefined ? { [route.generatedId.field]: newId(route) } : {};
  return { ...rest, ...generated, ...fromPath, ...tenant };
}

export function checkData(route: WriteRoute, data: Record<string, unknown>): void {
  const result = route.dataSchema.safeParse(data);
  if (!result.success) throw invalid(relocate(route, toFieldIssues(result.error)));
}

/** 409 when the read model knows the current status and the status machine forbids the move. */
export function checkTransition(current: OrderStatus | null | undefined, next: unknown): void {
  if (!current || typeof next !== 'string') return;
  if (!canTransition(current, next as OrderStatus)) {
    throw new HttpError(409, 'ILLEGAL_TRANSITION', `an order in status ${current} cannot move to ${next}`, undefined, {}, { currentStatus: current });
  }
}

export function buildEnvelope(
  route: WriteRoute,
  data: Record<string, unknown>,
  meta: { tenantCode: string; userId: string; role: 'tenant' | 'admin'; correlationId: string; now: Date },
): Envelope {
  try {
    return createEvent({
      eventType: route.eventType,
      tenantCode: meta.tenantCode,
      source: 'producer-api',
      actor: { userId: meta.userId, role: meta.role },
      correlationId: meta.correlationId,
      occurredAt: meta.now,
      data: data as never,
    });
  } catch (error) {
    if (AppError.is(error, 'SCHEMA_INVALID')) {
      const issues = (error.context.issues as FieldIssue[] | undefined) ?? [];
      throw invalid(relocate(route, issues.map((i) => ({ ...i, path: i.path.replace(/^data\./, '') }))));
    }
    throw error;
  }
}

