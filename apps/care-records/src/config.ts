import { z } from 'zod';
import { ConsumerEnv } from '@medlives/consumer';
import { EncryptionEnv } from '@medlives/crypto';
import { MongoAppEnv } from '@medlives/mongo';

/** Environment of care-records-service; main.ts parses it once (STYLE habit 2). */
export const CareRecordsEnv = z
  .object({
    ...ConsumerEnv.shape,
    ...MongoAppEnv.shape,
    ...EncryptionEnv.shape,
    /** Appointments starting within this window get `appointment.reminder` (once). */
    REMINDER_WINDOW_MINUTES: z.coerce.number().int().positive().default(24 * 60),
    /** How often a replica looks for due reminders; 0 turns reminders off. */
    REMINDER_SWEEP_MS: z.coerce.number().int().nonnegative().default(60_000),
    /** A claimed reminder not recorded as published after this long is published again (same event id). */
    REMINDER_LEASE_MS: z.coerce.number().int().positive().default(60_000),
    /** Names this replica in reminder claims. */
    HOSTNAME: z.string().optional(),
  })
  .superRefine((env, ctx) => {
    // This service seals what it stores: without keys it must not start.
    if (!env.ENCRYPTION_KEYS) ctx.addIssue({ code: 'custom', path: ['ENCRYPTION_KEYS'], message: 'required: kid:base64key[,kid:base64key...] (32-byte keys)' });
  });
export type CareRecordsConfig = z.output<typeof CareRecordsEnv>;
