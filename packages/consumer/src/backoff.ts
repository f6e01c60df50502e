/** Exponential backoff with full jitter, for transient sink faults (MISSION §5). */
export interface BackoffOptions {
  /** Delay cap for the first retry. @default 200 */
  readonly initialMs?: number;
  /** Upper bound of any delay. @default 15000 */
  readonly maxMs?: number;
  /** Growth per attempt. @default 2 */
  readonly factor?: number;
}

/**
 * Delay before retry number `attempt` (1-based): a uniform draw in [cap/2, cap] where cap grows
 * exponentially. Half-jitter keeps a floor so a flapping database is not hammered, and the
 * randomness spreads the replicas of a group that all lost the database at the same moment.
 */
export function backoffDelay(attempt: number, options: BackoffOptions = {}, random: () => number = Math.random): number {
  const initial = options.initialMs ?? 200;
  const max = options.maxMs ?? 15_000;
  const factor = options.factor ?? 2;
  const exponent = Math.max(0, Math.min(attempt - 1, 30));
  const cap = Math.min(max, initial * factor ** exponent);
  return Math.round(cap / 2 + random() * (cap / 2));
}
