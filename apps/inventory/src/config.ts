import { z } from 'zod';
import { ConsumerEnv } from '@medlives/consumer';
import { MongoAppEnv } from '@medlives/mongo';

/** Environment of inventory-service; main.ts parses it once (STYLE habit 2). */
export const InventoryEnv = z.object({ ...ConsumerEnv.shape, ...MongoAppEnv.shape });
export type InventoryConfig = z.output<typeof InventoryEnv>;
