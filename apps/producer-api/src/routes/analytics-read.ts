import { Router } from 'express';
import type { Connection } from 'mongoose';
import { z } from 'zod';
import { ORDER_STATUSES, toFieldIssues } from '@medlives/events';
import { factsCollection, summarize } from '@medlives/analytics';
import { detectDialect } from '@medlives/mongo';
import type { Principal } from '../http/auth';
import { HttpError } from '../http/errors';

const DAY_MS = 86_400_000;
export const MAX_RANGE_DAYS = 366;
const TENANT_OR_ALL = /^(\*|[A-Za-z0-9][A-Za-z0-9_-]{1,63})$/;
/** Calendar days from 1970 on (the document states the same pattern). */
const DATE = /^(19[7-9]\d|[2-9]\d{3})-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;

const validDate = (s: string) => DATE.test(s) && !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s);

export const SummaryQueryParams = z
  .strictObject({
    tenant: z.string().regex(TENANT_OR_ALL, 'a tenant code, or * for every tenant (admin)').optional(),
    from: z.string().refine(validDate, 'must be a date YYYY-MM-DD').optional(),
    to: z.string().refine(validDate, 'must be a date YYYY-MM-DD').optional(),
    zone: z.enum(['utc', 'local']).default('utc'),
    top: z.coerce.number().int().min(1).max(50).default(10),
  })
  .transform((q, ctx) => {
    const to = q.to ?? new Date().toISOString().slice(0, 10);
    const from = q.from ?? new Date(Date.parse(`${to}T00:00:00Z`) - 6 * DAY_MS).toISOString().slice(0, 10);
    const days = (Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS + 1;
    if (days < 1) ctx.addIssue({ code: 'custom', path: ['from'], message: 'must not be after to' });
    else if (days > MAX_RANGE_DAYS) ctx.addIssue({ code: 'custom', path: ['from'], message: `the range may span at most ${MAX_RANGE_DAYS} days` });
    return { ...q, from, to };
  });

/** Which tenant's figures the caller may see: its own; an admin any tenant, or all with `*` (the default). */
export function summaryTenant(principal: Principal, requested: string | undefined): string {
  if (principal.role === 'admin') return requested ?? '*';
  if (requested !== undefined && requested !== principal.tenantCode) throw new HttpError(403, 'FORBIDDEN', `this key cannot read the figures of ${requested}`);
  return principal.tenantCode;
}

/** `GET /analytics/summary`: figures from the analytics database analytics-service builds. */
export function analyticsReadRoutes(analytics: Connection): Router {
  const router = Router();
  let dialect: Awaited<ReturnType<typeof detectDialect>> | undefined;
  router.get('/analytics/summary', async (req, res) => {
    const parsed = SummaryQueryParams.safeParse(req.query);
    if (!parsed.success) throw new HttpError(422, 'SCHEMA_INVALID', 'invalid query', toFieldIssues(parsed.error, ['query']));
    const q = parsed.data;
    const tenant = summaryTenant(req.principal!, q.tenant);
    dialect ??= await detectDialect(analytics);
    const summary = await summarize(factsCollection(analytics), dialect, { tenant, from: q.from, to: q.to, zone: q.zone, top: q.top });
    res.set('Cache-Control', 'no-store').json(summary);
  });
  return router;
}

const figures = {
  orders: { type: 'integer', description: 'orders placed (not deleted)' },
  grossRevenue: { type: 'number', description: 'sum of the totals of every order placed, cancelled ones included' },
  paidRevenue: { type: 'number', description: 'sum of the totals of orders that reached paid (or later) and were not cancelled' },
  averageOrderValue: { type: 'number', description: 'grossRevenue / orders, to the cent' },
  cancelled: { type: 'integer' },
  cancellationRate: { type: 'number', description: 'cancelled / orders (4 decimals)' },
  byStatus: { type: 'object', description: 'orders by their current status', required: [...ORDER_STATUSES], properties: Object.fromEntries(ORDER_STATUSES.map((s) => [s, { type: 'integer' }])) },
  hours: { type: 'array', minItems: 24, maxItems: 24, items: { type: 'integer' }, description: 'orders placed in each hour 0–23' },
};
const figuresSchema = { type: 'object', required: Object.keys(figures), properties: figures };
const medication = { type: 'object', required: ['productId', 'medication', 'quantity', 'revenue'], properties: { productId: { type: 'string' }, medication: { type: 'string' }, quantity: { type: 'integer' }, revenue: { type: 'number' } } };

/** The OpenAPI operation of the route (registered by routes/openapi.ts). */
export function summaryOperation(errors: (...codes: number[]) => Record<string, unknown>): Record<string, unknown> {
  const q = (name: string, schema: Record<string, unknown>, description: string) => ({ name, in: 'query', required: false, schema, description });
  return {
    operationId: 'analyticsSummary',
    summary: 'Order figures per day for a tenant (or all tenants, admin): revenue, status, top medications, peak hours',
    description: `Built by analytics-service from order and status events (eventually consistent: a batch lands within 30 s). Days are inclusive; the range may span at most ${MAX_RANGE_DAYS} days and \`from\` must not be after \`to\` (422 naming \`query.from\`). A tenant key reads only its own tenant (403 otherwise).`,
    tags: ['analytics'],
    parameters: [
      q('tenant', { type: 'string', pattern: TENANT_OR_ALL.source }, 'admin: a tenant code or * for all (default *); tenant keys: only their own'),
      q('from', { type: 'string', format: 'date', pattern: DATE.source }, 'first day, YYYY-MM-DD (default: 6 days before `to`)'),
      q('to', { type: 'string', format: 'date', pattern: DATE.source }, 'last day, YYYY-MM-DD (default: today, UTC)'),
      q('zone', { enum: ['utc', 'local'] }, "calendar of days and hours: UTC (default) or each tenant's configured time zone"),
      q('top', { type: 'integer', minimum: 1, maximum: 50 }, 'how many top medications (default 10)'),
    ],
    responses: {
      '200': {
        description: 'The figures',
        content: {
          'application/json': {
            schema: {
              type: 'object',
              required: ['tenant', 'from', 'to', 'zone', 'totals', 'days', 'topMedications'],
              properties: {
                tenant: { type: 'string' },
                from: { type: 'string', format: 'date' },
                to: { type: 'string', format: 'date' },
                zone: { enum: ['utc', 'local'] },
                totals: figuresSchema,
                days: { type: 'array', items: { ...figuresSchema, required: ['day', ...Object.keys(figures)], properties: { day: { type: 'string', format: 'date' }, ...figures } } },
                topMedications: { type: 'object', required: ['byQuantity', 'byRevenue'], properties: { byQuantity: { type: 'array', items: medication }, byRevenue: { type: 'array', items: medication } } },
              },
            },
          },
        },
      },
      ...errors(401, 403, 422, 429, 503),
    },
  };
}
