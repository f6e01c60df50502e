/**
 * One error type for the platform. `code` is a closed union so callers switch on it, and
 * `retriable` is what consumers use to choose retry-with-backoff over the DLQ — never the message.
 */
export type ErrorCode =
  // input and contracts (permanent)
  | 'MALFORMED_JSON'
  | 'EMPTY_VALUE'
  | 'SCHEMA_INVALID'
  | 'UNKNOWN_EVENT_TYPE'
  | 'UNSUPPORTED_VERSION'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'ILLEGAL_TRANSITION'
  | 'FORBIDDEN'
  | 'UNAUTHORIZED'
  | 'CONFIG_INVALID'
  // a stored ciphertext that cannot be opened: altered, or its key is not configured
  | 'DECRYPT_FAILED'
  // infrastructure (transient)
  | 'KAFKA_UNAVAILABLE'
  | 'KAFKA_TIMEOUT'
  | 'DB_UNAVAILABLE'
  | 'DB_TIMEOUT'
  | 'INTERNAL';

const RETRIABLE: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'KAFKA_UNAVAILABLE',
  'KAFKA_TIMEOUT',
  'DB_UNAVAILABLE',
  'DB_TIMEOUT',
]);

export interface ErrorContext {
  topic?: string;
  partition?: number;
  offset?: string;
  requestId?: string;
  eventId?: string;
  [key: string]: unknown;
}

export class AppError extends Error {
  override readonly name = 'AppError';
  readonly code: ErrorCode;
  readonly retriable: boolean;
  readonly context: ErrorContext;

  constructor(code: ErrorCode, message: string, options: { cause?: unknown; context?: ErrorContext; retriable?: boolean } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.retriable = options.retriable ?? RETRIABLE.has(code);
    this.context = options.context ?? {};
  }

  static is(value: unknown, code?: ErrorCode): value is AppError {
    return value instanceof AppError && (code === undefined || value.code === code);
  }
}

export function isRetriableCode(code: ErrorCode): boolean {
  return RETRIABLE.has(code);
}
