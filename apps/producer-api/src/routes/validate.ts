import type { Request, Response } from 'express';
import { tenantFor } from '../http/auth';
import { buildData, checkData } from '../domain/build-event';
import { bodyObject } from './write-handler';
import { WRITE_ROUTES } from './write-routes';

const createOrder = WRITE_ROUTES.find((r) => r.operationId === 'createOrder')!;

/** Validates an order exactly as POST /orders does, publishing nothing (dry run; benchmark baseline). */
export function validateOnly() {
  return (req: Request, res: Response) => {
    const principal = req.principal!;
    const body = bodyObject(req);
    const tenantCode = tenantFor(principal, body.tenantCode);
    const data = buildData(createOrder, body, { params: {}, tenantCode, userId: principal.userId, now: new Date() });
    checkData(createOrder, data);
    res.status(200).json({ valid: true, orderId: data.orderId });
  };
}
