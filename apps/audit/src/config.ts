import { z } from 'zod';
import { ConsumerEnv } from '@medlives/consumer';
import { MongoAppEnv } from '@medlives/mongo';

/** Environment of audit-service; main.ts parses it once (STYLE habit 2). */
export const AuditEnv = z.object({ ...ConsumerEnv.shape, ...MongoAppEnv.shape });
export type AuditConfig = z.output<typeof AuditEnv>;
