import type { RecordOrigin } from './types';

/** Next offset to read per partition: one past the highest record of the batch. */
export function commitPlan(entries: ReadonlyArray<{ origin: RecordOrigin }>): Array<{ topic: string; partitions: Array<{ partition: number; offset: string }> }> {
  const next = new Map<string, Map<number, bigint>>();
  for (const { origin } of entries) {
    const partitions = next.get(origin.topic) ?? new Map<number, bigint>();
    const offset = BigInt(origin.offset) + 1n;
    if ((partitions.get(origin.partition) ?? -1n) < offset) partitions.set(origin.partition, offset);
    next.set(origin.topic, partitions);
  }
  return [...next].map(([topic, partitions]) => ({
    topic,
    partitions: [...partitions].map(([partition, offset]) => ({ partition, offset: offset.toString() })),
  }));
}

/** Errors meaning "this member no longer owns the generation": abandon the batch, do not retry. */
export function isRebalance(error: unknown): boolean {
  const type = (error as { type?: unknown })?.type;
  return type === 'REBALANCE_IN_PROGRESS' || type === 'ILLEGAL_GENERATION' || type === 'UNKNOWN_MEMBER_ID' || type === 'NOT_COORDINATOR' || type === 'NOT_COORDINATOR_FOR_GROUP';
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms).unref());
}

export function withTimeout<V>(promise: Promise<V>, ms: number): Promise<V> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
