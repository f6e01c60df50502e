import { AppError, type ErrorCode } from '@medlives/errors';

export interface Classified {
  readonly code: ErrorCode;
  readonly retriable: boolean;
  readonly message: string;
}

/**
 * Retry or dead-letter is decided from `retriable`, never from message text (STYLE habit 3).
 * Sinks map their driver's errors to AppErrors; KafkaJS marks its own transient errors.
 */
export function classifyError(error: unknown): Classified {
  if (error instanceof AppError) return { code: error.code, retriable: error.retriable, message: error.message };
  const e = error as { name?: unknown; retriable?: unknown; message?: unknown };
  const message = typeof e?.message === 'string' ? e.message : String(error);
  if (typeof e?.name === 'string' && e.name.startsWith('KafkaJS')) {
    return { code: 'KAFKA_UNAVAILABLE', retriable: e.retriable !== false, message };
  }
  return { code: 'INTERNAL', retriable: false, message };
}

/**
 * Whether retrying cannot help: a permanent DLQ-produce or commit failure (MESSAGE_TOO_LARGE,
 * TOPIC/GROUP_AUTHORIZATION_FAILED) or a bug. KafkaJS wraps transient errors it gave up retrying
 * in KafkaJSNumberOfRetriesExceeded (marked non-retriable): the error it wraps decides.
 */
export function isPermanent(error: unknown): boolean {
  let e = error as { name?: unknown; retriable?: unknown; cause?: unknown } | undefined;
  for (let depth = 0; depth < 5 && e?.name === 'KafkaJSNumberOfRetriesExceeded' && e.cause; depth++) e = e.cause as typeof e;
  return !classifyError(e).retriable;
}
