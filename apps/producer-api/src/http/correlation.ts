import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';

const VALID = /^[A-Za-z0-9._:-]{1,128}$/;

/** X-Correlation-Id: taken when well-formed, generated otherwise, echoed on every response. */
export function correlation(req: Request, res: Response, next: NextFunction): void {
  const given = req.get('x-correlation-id');
  req.correlationId = given && VALID.test(given) ? given : randomUUID();
  res.set('X-Correlation-Id', req.correlationId);
  next();
}
