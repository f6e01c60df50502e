import { z } from 'zod';
import { CommonEnv, KafkaEnv, MongoEnv } from '@medlives/runtime';
import { WORKER_HTTP_PORT } from '@medlives/topology';

const positiveInt = z.coerce.number().int().positive();

/** Environment of the order-persistence worker; main.ts parses it once (STYLE habit 2). */
export const OrderPersistenceEnv = z.object({
  ...KafkaEnv.shape,
  ...MongoEnv.shape,
  ...CommonEnv.shape,
  /** /healthz, /readyz, /metrics; 0 picks a free port (tests). */
  PORT: z.coerce.number().int().min(0).max(65_535).default(WORKER_HTTP_PORT),
  /** Override the topology's batch (100 events or 5 s) for experiments; normally unset. */
  BATCH_MAX_EVENTS: positiveInt.optional(),
  BATCH_MAX_WAIT_MS: z.coerce.number().int().nonnegative().optional(),
  LAG_INTERVAL_MS: positiveInt.default(10_000),
  /** A member that stops heartbeating is evicted after this long (its partitions move on). */
  KAFKA_SESSION_TIMEOUT_MS: z.coerce.number().int().min(6_000).default(30_000),
  KAFKA_REBALANCE_TIMEOUT_MS: z.coerce.number().int().min(6_000).default(60_000),
  /** How long a MongoDB call waits for a server before it counts as "database down". */
  MONGO_SERVER_SELECTION_TIMEOUT_MS: positiveInt.default(5_000),
});
export type OrderPersistenceConfig = z.output<typeof OrderPersistenceEnv>;
