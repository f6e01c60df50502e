import { z } from 'zod';
import { ConsumerEnv } from '@medlives/consumer';
import { MongoAppEnv } from '@medlives/mongo';

/** Environment of the order-persistence worker; main.ts parses it once (STYLE habit 2). */
export const OrderPersistenceEnv = z.object({ ...ConsumerEnv.shape, ...MongoAppEnv.shape });
export type OrderPersistenceConfig = z.output<typeof OrderPersistenceEnv>;
