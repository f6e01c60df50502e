import { z } from 'zod';
import { ConsumerEnv } from '@medlives/consumer';
import { MongoAppEnv } from '@medlives/mongo';

/** Environment of delivery-tracking-service; main.ts parses it once (STYLE habit 2). */
export const DeliveryTrackingEnv = z.object({
  ...ConsumerEnv.shape,
  ...MongoAppEnv.shape,
  /** A position older than this (by its `at`) is gone: TTL index on MongoDB, sweep on FerretDB. */
  POSITION_TTL_HOURS: z.coerce.number().positive().default(24),
  /** FerretDB only (no TTL indexes): how often expired positions are deleted. */
  POSITION_SWEEP_MS: z.coerce.number().int().positive().default(60_000),
});
export type DeliveryTrackingConfig = z.output<typeof DeliveryTrackingEnv>;
