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
