import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import { AppError } from '@medlives/errors';
import type { FieldIssue } from '@medlives/events';
import { mongoAppError } from '@medlives/mongo';

/** An error that maps to one HTTP answer. Bodies never carry stack traces. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly issues?: FieldIssue[],
    readonly headers: Record<string, string> = {},
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export interface ErrorBody {
  error: { code: string; message: string; issues?: FieldIssue[]; correlationId?: string } & Record<string, unknown>;
}

/** Domain errors from shared packages that are the caller's fault, by code. */
const APP_ERROR_STATUS: Partial<Record<AppError['code'], number>> = {
  SCHEMA_INVALID: 422,
  NOT_FOUND: 404,
  CONFLICT: 409,
  ILLEGAL_TRANSITION: 409,
  FORBIDDEN: 403,
  UNAUTHORIZED: 401,
};

/** AppError context fields a client may see (the rest is for logs). */
const PUBLIC_CONTEXT = ['currentStatus'] as const;

function publicContext(error: AppError): Record<string, unknown> {
  return Object.fromEntries(PUBLIC_CONTEXT.filter((k) => error.context[k] !== undefined).map((k) => [k, error.context[k]]));
}

/** The one place domain errors become HTTP answers. */
export function fromUnknown(error: unknown): HttpError {
  if (error instanceof HttpError) return error;
  const e = error as { type?: string; status?: number; message?: string };
  // body-parser errors: malformed JSON, oversized bodies, bad charsets.
  if (e?.type === 'entity.parse.failed') return new HttpError(400, 'MALFORMED_JSON', `malformed JSON: ${e.message ?? ''}`.trim());
  if (e?.type === 'entity.too.large') return new HttpError(413, 'PAYLOAD_TOO_LARGE', 'request body is larger than the limit');
  if (e?.type === 'encoding.unsupported' || e?.type === 'charset.unsupported') return new HttpError(415, 'UNSUPPORTED_MEDIA_TYPE', e.message ?? 'unsupported encoding');
  if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500) return new HttpError(e.status, 'BAD_REQUEST', e.message ?? 'bad request');
  // A driver error no store wrapped: a connection or timeout fault is still "retry later", not 500.
  const appError = error instanceof AppError ? error : mongoAppError(error);
  if (appError.retriable) return new HttpError(503, appError.code, 'temporarily unavailable, retry later', undefined, { 'Retry-After': '2' });
  if (error instanceof AppError) {
    if (error.retriable) return new HttpError(503, error.code, 'temporarily unavailable, retry later', undefined, { 'Retry-After': '2' });
    const status = APP_ERROR_STATUS[error.code];
    if (status) {
      return new HttpError(status, error.code, error.message, error.context.issues as FieldIssue[] | undefined, {}, publicContext(error));
    }
  }
  return new HttpError(500, 'INTERNAL', 'internal error');
}

export function errorHandler(logger: Logger) {
  // Express recognises error middleware by its four parameters.
  return (error: unknown, req: Request, res: Response, _next: NextFunction) => {
    const http = fromUnknown(error);
    if (http.status >= 500) logger.error({ err: error, path: req.path, correlationId: req.correlationId }, 'request failed');
    const body: ErrorBody = {
      error: {
        code: http.code,
        message: http.message,
        ...(http.issues ? { issues: http.issues } : {}),
        ...(req.correlationId ? { correlationId: req.correlationId } : {}),
        ...http.extra,
      },
    };
    res.status(http.status).set(http.headers).json(body);
  };
}
