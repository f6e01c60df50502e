/**
 * HOOK — accepted→persisted latency through the producer API (issue 4: p99 ≤ 1 s at a steady
 * 1,000 orders/s). To be wired by the API owner: start apps/producer-api against `ctx`, POST
 * orders at `ratePerSecond` for `durationS`, and for each 202 poll
 * GET /api/v1/orders/:id?waitFor=persisted&eventId=<id> (or read `orders` directly) to get the
 * time from the 202 to the document; return the percentiles. While it returns null the report
 * says "not measured".
 */
export interface ApiLatencyContext {
  readonly kafkaBrokers: string;
  readonly mongoUrl: string;
  readonly topicPrefix: string;
  /** The order-persistence worker is already running against this prefix and database. */
  readonly ratePerSecond: number;
  readonly durationS: number;
}

export interface ApiLatencyResult {
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly orders: number;
}

export async function measureAcceptedToPersisted(_ctx: ApiLatencyContext): Promise<ApiLatencyResult | null> {
  return null;
}
