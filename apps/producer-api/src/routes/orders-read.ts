import { type Request, Router } from 'express';
import type { Connection } from 'mongoose';
import { z } from 'zod';
import { AppError } from '@medlives/errors';
import { type FieldIssue, toFieldIssues } from '@medlives/events';
import { type ListOrdersQuery, MAX_WAIT_MS, findOrder, listOrders, waitForOrder } from '@medlives/orders';
import { readScope } from '../http/auth';
import { HttpError } from '../http/errors';

export function getOrderQuery(maxWaitMs: number) {
  return z.strictObject({
    /** `persisted`: long-poll until the order (and `eventId`, if given) is in the read model. */
    waitFor: z.enum(['persisted']).optional(),
    timeoutMs: z.coerce.number().int().min(0).max(maxWaitMs).default(Math.min(10_000, maxWaitMs)),
    eventId: z.uuid().optional(),
    tenantCode: z.string().optional(),
  });
}

export const ListOrdersQueryParams = z.strictObject({
  status: z.string().optional(),
  from: z.string().optional(),
  to: z.string().optional(),
  limit: z.string().optional(),
  cursor: z.string().optional(),
  tenantCode: z.string().optional(),
});

function query<S extends z.ZodType>(schema: S, req: Request): z.output<S> {
  const parsed = schema.safeParse(req.query);
  if (!parsed.success) throw new HttpError(422, 'SCHEMA_INVALID', 'invalid query', toFieldIssues(parsed.error, ['query']));
  return parsed.data;
}

/** Order reads come from the read model that order-persistence builds (eventually consistent). */
export function orderReadRoutes(connection: Connection, maxWaitMs = MAX_WAIT_MS): Router {
  const router = Router();
  const GetOrderQuery = getOrderQuery(Math.min(maxWaitMs, MAX_WAIT_MS));
  router.get('/orders/:orderId', async (req, res) => {
    const q = query(GetOrderQuery, req);
    const scope = readScope(req.principal!);
    const orderId = String(req.params.orderId);
    const options = q.tenantCode === undefined ? {} : { tenantCode: q.tenantCode };
    let order;
    if (q.waitFor) {
      // Stop polling when the client goes away.
      const aborted = new AbortController();
      res.once('close', () => aborted.abort());
      order = await waitForOrder(connection, scope, orderId, { ...options, timeoutMs: q.timeoutMs, signal: aborted.signal, ...(q.eventId ? { eventId: q.eventId } : {}) });
    } else {
      order = await findOrder(connection, scope, orderId, options);
    }
    if (!order) {
      const message = q.waitFor ? `order ${orderId} was not persisted within ${q.timeoutMs} ms` : `order ${orderId} is not (yet) persisted`;
      throw new HttpError(404, 'NOT_FOUND', message);
    }
    res.json(order);
  });
  router.get('/orders', async (req, res) => {
    const q = query(ListOrdersQueryParams, req);
    try {
      res.json(await listOrders(connection, readScope(req.principal!), q as ListOrdersQuery));
    } catch (error) {
      // The read model validates the filter; report its fields as query parameters.
      if (AppError.is(error, 'SCHEMA_INVALID')) {
        const issues = (error.context.issues as FieldIssue[] | undefined) ?? [];
        throw new HttpError(422, 'SCHEMA_INVALID', 'invalid query', issues.map((i) => ({ ...i, path: `query.${i.path}` })));
      }
      throw error;
    }
  });
  return router;
}
