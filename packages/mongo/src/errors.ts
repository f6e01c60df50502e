import { AppError } from '@medlives/errors';

const UNAVAILABLE = new Set([
  'MongoServerSelectionError',
  'MongoNetworkError',
  'MongoNotConnectedError',
  'MongoTopologyClosedError',
  'MongoPoolClearedError',
  'PoolClearedError',
  'PoolClearedOnNetworkError',
  'MongoWaitQueueTimeoutError',
]);
const TIMEOUT = new Set(['MongoNetworkTimeoutError', 'MongoOperationTimeoutError']);
/** Server codes for "try again": NotWritablePrimary, PrimarySteppedDown, ShutdownInProgress, ... */
const RETRIABLE_CODES = new Set([6, 7, 89, 91, 189, 262, 9001, 10107, 11600, 11602, 13435, 13436]);
/**
 * Codes that say the server cannot take writes right now, whatever the write: credentials or
 * roles changed (AuthenticationFailed 18, Unauthorized 13), WriteConcernFailed (64),
 * TemporarilyUnavailable (365), OutOfDiskSpace (14031), Interrupted (11601), LockTimeout (24),
 * LockBusy (46), WriteConflict (112). Operators fix these; the records are fine, so the consumer
 * pauses instead of dead-lettering (issue 12 hole 2). The runtime's outage rule catches codes
 * missing here.
 */
const OUTAGE_CODES = new Set([13, 18, 24, 46, 64, 112, 365, 11601, 14031]);

/**
 * FerretDB v1 (SQLite) reports write contention as InternalError (1) whose text carries SQLite's
 * SQLITE_BUSY ("database is locked"): a server too busy right now, not a bad record. No code
 * distinguishes it, so this one FerretDB case is recognised by its SQLite error name.
 */
const FERRETDB_BUSY = /\(SQLITE_BUSY\)|database is locked/;

function transient(error: unknown, depth = 0): 'DB_UNAVAILABLE' | 'DB_TIMEOUT' | undefined {
  if (!error || typeof error !== 'object' || depth > 4) return undefined;
  const e = error as { name?: string; code?: unknown; message?: unknown; hasErrorLabel?: (l: string) => boolean; errorResponse?: unknown; cause?: unknown };
  if (e.code === 1 && typeof e.message === 'string' && FERRETDB_BUSY.test(e.message)) return 'DB_UNAVAILABLE';
  if (e.name && TIMEOUT.has(e.name)) return 'DB_TIMEOUT';
  if (e.code === 50) return 'DB_TIMEOUT';
  if (e.name && UNAVAILABLE.has(e.name)) return 'DB_UNAVAILABLE';
  if (typeof e.code === 'number' && (RETRIABLE_CODES.has(e.code) || OUTAGE_CODES.has(e.code))) return 'DB_UNAVAILABLE';
  if (e.hasErrorLabel?.('RetryableWriteError') || e.hasErrorLabel?.('ResetPool')) return 'DB_UNAVAILABLE';
  // A bulk write that lost its connection wraps the network error.
  return transient(e.errorResponse, depth + 1) ?? transient(e.cause, depth + 1);
}

/** Driver error → AppError: connection and timeout faults are retriable, the rest permanent. */
export function mongoAppError(error: unknown, context: Record<string, unknown> = {}): AppError {
  if (error instanceof AppError) return error;
  const code = transient(error);
  const message = error instanceof Error ? error.message : String(error);
  return new AppError(code ?? 'INTERNAL', `mongodb: ${message}`, { cause: error, context });
}
