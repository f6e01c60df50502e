import { randomUUID } from 'node:crypto';
import { type Request, type Response, Router } from 'express';
import { type EncodedEvent, Id, createEvent, encodeEvent, toFieldIssues } from '@medlives/events';
import type { Logger } from 'pino';
import type { z } from 'zod';
import { readScope, tenantFor } from '../http/auth';
import { HttpError } from '../http/errors';
import { CreateProductBody, type InventoryStore, type MoveResult, type ProductView, StockMoveBody } from '@medlives/inventory';
import { bodyObject } from './write-handler';

function parse<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  const result = schema.safeParse(body);
  if (!result.success) throw new HttpError(422, 'SCHEMA_INVALID', 'invalid request', toFieldIssues(result.error));
  return result.data;
}

function productId(req: Request): string {
  const id = String(req.params.productId);
  if (!Id.safeParse(id).success) throw new HttpError(422, 'SCHEMA_INVALID', 'invalid product id', [{ path: 'params.productId', message: 'must be 1-64 letters, digits, _ . : -' }]);
  return id;
}

function answer(res: Response, result: MoveResult, action: 'reserve' | 'release'): void {
  switch (result.kind) {
    case 'applied':
      res.status(200).json({ status: action === 'reserve' ? 'reserved' : 'released', applied: true, product: result.product });
      return;
    case 'repeated':
      res.status(200).json({ status: action === 'reserve' ? 'reserved' : 'released', applied: false, product: result.product });
      return;
    case 'not-found':
      throw new HttpError(404, 'NOT_FOUND', 'unknown product');
    case 'insufficient':
      throw new HttpError(409, 'INSUFFICIENT_STOCK', `only ${result.product.stock} in stock`, undefined, {}, { stock: result.product.stock });
    case 'no-reservation':
      throw new HttpError(409, 'NO_RESERVATION', 'this order holds no reservation of the product', undefined, {}, { stock: result.product.stock });
    case 'closed':
      throw new HttpError(409, 'RESERVATION_CLOSED', 'this order already released its reservation', undefined, {}, { stock: result.product.stock });
    case 'quantity-mismatch':
      throw new HttpError(409, 'QUANTITY_MISMATCH', `the order reserved ${result.reserved}`, undefined, {}, { stock: result.product.stock, reserved: result.reserved });
  }
}

export interface ProductRouteDeps {
  /**
   * A reserve took the product under its threshold: publish `stock.low` (the same alert
   * inventory-service raises), once per crossing. The move stands whatever this does.
   */
  readonly onLowStock?: (tenantCode: string, product: ProductView, req: Request) => Promise<void>;
}

/** `stock.low` from the synchronous path, published like every other write (best effort: the move stands). */
export function lowStockAlert(publish: (event: EncodedEvent) => Promise<void>, prefix: string, logger: Logger): NonNullable<ProductRouteDeps['onLowStock']> {
  return async (tenantCode, product, req) => {
    const principal = req.principal!;
    const event = createEvent({
      eventType: 'stock.low',
      tenantCode,
      source: 'producer-api',
      ...(req.correlationId ? { correlationId: req.correlationId } : {}),
      actor: { userId: principal.userId, role: principal.role },
      data: { productId: product.productId, remaining: product.stock, threshold: product.lowStockThreshold },
    });
    await publish(encodeEvent(event, { prefix })).catch((error: unknown) => logger.warn({ err: error, productId: product.productId }, 'stock.low not published'));
  };
}

/** Products are synchronous and atomic (MISSION §4): MongoDB answers before the client does. */
export function productRoutes(store: InventoryStore, deps: ProductRouteDeps = {}): Router {
  const router = Router();
  router.post('/products', async (req, res) => {
    const body = bodyObject(req);
    const tenantCode = tenantFor(req.principal!, body.tenantCode);
    const { tenantCode: _t, ...rest } = body;
    const input = parse(CreateProductBody, rest);
    const created = await store.create(tenantCode, { ...input, productId: input.productId ?? `prod_${randomUUID()}` });
    if (!created) throw new HttpError(409, 'CONFLICT', 'a product with this id exists');
    res.status(201).json(created);
  });
  router.get('/products/:productId', async (req, res) => {
    const scope = readScope(req.principal!);
    // An admin may name the tenant (`?tenantCode=`); products are per tenant.
    const named = typeof req.query.tenantCode === 'string' && req.query.tenantCode ? req.query.tenantCode : undefined;
    const product = await store.get('admin' in scope && named ? { admin: true, tenantCode: named } : scope, productId(req));
    if (!product) throw new HttpError(404, 'NOT_FOUND', 'unknown product');
    res.json(product);
  });
  for (const action of ['reserve', 'release'] as const) {
    router.post(`/products/:productId/${action}`, async (req, res) => {
      const id = productId(req);
      const body = bodyObject(req);
      const tenantCode = tenantFor(req.principal!, body.tenantCode);
      const { tenantCode: _t, ...rest } = body;
      const move = parse(StockMoveBody, rest);
      const result = action === 'reserve' ? await store.reserve(tenantCode, id, move.orderId, move.quantity) : await store.release(tenantCode, id, move.orderId, move.quantity);
      if (result.kind === 'applied' && result.crossedLow) await deps.onLowStock?.(tenantCode, result.product, req);
      answer(res, result, action);
    });
  }
  return router;
}
