import { type Envelope, type FieldIssue, type OrderStatus, canTransition, createEvent, toFieldIssues } from '@medlives/events';
import { AppError } from '@medlives/errors';
import type { z } from 'zod';
import { type BuildContext, type WriteSpec, newId } from './write-spec';

function hasField(schema: z.ZodType, field: string): boolean {
  const shape = (schema as unknown as { shape?: Record<string, unknown> }).shape;
  return shape !== undefined && field in shape;
}

/** The caller's fault, naming every bad field; the HTTP layer answers it with 422. */
export function invalid(issues: FieldIssue[], message = `invalid request: ${issues.map((i) => i.path).join(', ')}`): AppError {
  return new AppError('SCHEMA_INVALID', message, { context: { issues } });
}

/** Issue paths are reported as the client wrote them: body fields, or `params.x` for URL parts. */
function relocate(spec: WriteSpec, issues: FieldIssue[]): FieldIssue[] {
  return issues.map((issue) => {
    const [head, ...rest] = issue.path.split('.');
    if (head && head in spec.pathFields) return { ...issue, path: `params.${spec.pathFields[head]}` };
    if (spec.bodyAt === 'changes' && head === 'changes') return { ...issue, path: rest.join('.') || '(root)' };
    return issue;
  });
}

/** Body + URL + credential → event data for the write. Throws SCHEMA_INVALID naming every bad field. */
export function buildData(spec: WriteSpec, body: Record<string, unknown>, ctx: BuildContext): Record<string, unknown> {
  for (const field of Object.keys(spec.pathFields)) {
    if (field in body && spec.bodyAt === 'root' && !spec.customBody) {
      throw invalid([{ path: field, message: `comes from the URL path and must not be in the body` }]);
    }
  }
  const fromPath = Object.fromEntries(Object.entries(spec.pathFields).map(([field, param]) => [field, ctx.params[param]]));
  const tenant = hasField(spec.dataSchema, 'tenantCode') ? { tenantCode: ctx.tenantCode } : {};
  if (spec.customBody) {
    const parsed = spec.customBody.schema.safeParse(body);
    if (!parsed.success) throw invalid(toFieldIssues(parsed.error));
    return spec.customBody.build(parsed.data as Record<string, unknown>, ctx);
  }
  const serverOwned = Object.entries(spec.serverFields ?? {});
  const named = serverOwned.filter(([field]) => field in body);
  if (named.length) throw invalid(named.map(([field, { reason }]) => ({ path: field, message: reason })));
  if (spec.bodyAt === 'changes') return { ...fromPath, ...tenant, changes: body };
  const { tenantCode: _ignored, ...rest } = body;
  const generated = spec.generatedId && rest[spec.generatedId.field] === undefined ? { [spec.generatedId.field]: newId(spec) } : {};
  const defaults = Object.entries(spec.defaults ?? {}).filter(([field]) => rest[field] === undefined).map(([field, value]) => [field, value(ctx)]);
  const server = serverOwned.filter(([, f]) => f.value).map(([field, f]) => [field, f.value!(ctx)]);
  return { ...rest, ...Object.fromEntries(defaults), ...generated, ...Object.fromEntries(server), ...fromPath, ...tenant };
}

export function checkData(spec: WriteSpec, data: Record<string, unknown>): void {
  const result = spec.dataSchema.safeParse(data);
  if (!result.success) throw invalid(relocate(spec, toFieldIssues(result.error)));
}

/** ILLEGAL_TRANSITION when the read model knows the current status and the status machine forbids the move. */
export function checkTransition(current: OrderStatus | null | undefined, next: unknown): void {
  if (!current || typeof next !== 'string') return;
  if (!canTransition(current, next as OrderStatus)) {
    throw new AppError('ILLEGAL_TRANSITION', `an order in status ${current} cannot move to ${next}`, { context: { currentStatus: current } });
  }
}

export function buildEnvelope(
  spec: WriteSpec,
  data: Record<string, unknown>,
  meta: { tenantCode: string; userId: string; role: 'tenant' | 'admin'; correlationId: string; now: Date },
): Envelope {
  try {
    return createEvent({
      eventType: spec.eventType,
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
      throw invalid(relocate(spec, issues.map((i) => ({ ...i, path: i.path.replace(/^data\./, '') }))));
    }
    throw error;
  }
}
