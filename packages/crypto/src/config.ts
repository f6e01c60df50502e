import { z } from 'zod';
import { AppError } from '@medlives/errors';
import { Keyring, parseKeys } from './keyring';

/**
 * Keys of whoever seals or opens care data (care-records, the producer API's read side, the ops
 * CLI). In Kubernetes both come from the encryption Secret; never from this repository.
 */
export const EncryptionEnv = z.object({
  /** `kid:base64key[,kid:base64key...]`: every key that may have sealed a stored value. */
  ENCRYPTION_KEYS: z
    .string()
    .optional()
    .superRefine((v, ctx) => {
      if (v === undefined) return;
      try {
        parseKeys(v);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message });
      }
    }),
  /** Key id new values are sealed with. @default the first key of ENCRYPTION_KEYS */
  ENCRYPTION_KEY_ID: z.string().optional(),
});
export type EncryptionConfig = z.output<typeof EncryptionEnv>;

/** The keyring of a parsed configuration, or undefined when no keys are configured. */
export function keyringFrom(config: EncryptionConfig): Keyring | undefined {
  return config.ENCRYPTION_KEYS ? Keyring.from(config.ENCRYPTION_KEYS, config.ENCRYPTION_KEY_ID) : undefined;
}

/** Same, for processes that cannot run without keys. */
export function requireKeyring(config: EncryptionConfig): Keyring {
  const keyring = keyringFrom(config);
  if (!keyring) throw new AppError('CONFIG_INVALID', 'ENCRYPTION_KEYS is not set: expected kid:base64key[,kid:base64key...]');
  return keyring;
}
