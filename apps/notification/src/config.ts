import { z } from 'zod';
import { ConsumerEnv } from '@medlives/consumer';
import { EncryptionEnv } from '@medlives/crypto';
import { MongoAppEnv } from '@medlives/mongo';

const CHANNELS = ['sms', 'email', 'push'] as const;
export const Channel = z.enum(CHANNELS);
export type Channel = z.infer<typeof Channel>;
export const ALL_CHANNELS: readonly Channel[] = CHANNELS;

const positiveInt = z.coerce.number().int().positive();
const optionalText = z.string().trim().min(1).optional();
const url = z.url({ protocol: /^https?$/ }).optional();

/** Where care and stock alerts go when the event names no reachable person: one route per tenant. */
const TenantRoute = z.strictObject({ sms: z.string().min(1).optional(), email: z.email().optional(), push: z.string().min(1).optional() });
export type TenantRoute = z.infer<typeof TenantRoute>;

const TenantRoutes = z.record(z.string(), TenantRoute);
const tenantRoutesJson = z
  .string()
  .default('{}')
  .transform((raw, ctx) => {
    let value: unknown;
    try {
      value = JSON.parse(raw || '{}');
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be JSON like {"clinic-1":{"email":"desk@clinic.example"}}' });
      return z.NEVER;
    }
    const parsed = TenantRoutes.safeParse(value);
    if (parsed.success) return parsed.data;
    for (const i of parsed.error.issues) ctx.addIssue({ code: 'custom', message: `${i.path.join('.')}: ${i.message}` });
    return z.NEVER;
  });

/**
 * Environment of the notification worker; main.ts parses it once (STYLE habit 2). Secrets
 * (SMTP_PASSWORD, *_WEBHOOK_TOKEN, ENCRYPTION_KEYS) come from the environment only — in clusters
 * from a Secret.
 */
export const NotificationEnv = z
  .object({
    ...ConsumerEnv.shape,
    ...MongoAppEnv.shape,
    /** Keys sealing recipients, texts and source records at rest (required; see @medlives/crypto). */
    ...EncryptionEnv.shape,
    /** Provider per channel: `console` logs (npm run dev), `none` disables the channel. */
    NOTIFY_SMS_PROVIDER: z.enum(['webhook', 'console', 'none']).default('console'),
    NOTIFY_PUSH_PROVIDER: z.enum(['webhook', 'console', 'none']).default('console'),
    NOTIFY_EMAIL_PROVIDER: z.enum(['smtp', 'console', 'none']).default('console'),
    NOTIFY_SMS_WEBHOOK_URL: url,
    NOTIFY_SMS_WEBHOOK_TOKEN: optionalText,
    NOTIFY_PUSH_WEBHOOK_URL: url,
    NOTIFY_PUSH_WEBHOOK_TOKEN: optionalText,
    SMTP_HOST: z.string().min(1).default('127.0.0.1'),
    SMTP_PORT: z.coerce.number().int().min(1).max(65_535).default(587),
    /** `true`: implicit TLS (port 465); otherwise STARTTLS when the server offers it. */
    SMTP_SECURE: z.enum(['true', 'false']).default('false'),
    SMTP_USER: optionalText,
    SMTP_PASSWORD: optionalText,
    NOTIFY_EMAIL_FROM: z.string().min(3).default('MedLives <no-reply@medlives.local>'),
    /** JSON `{"<tenantCode>": {"sms": "+49...", "email": "desk@clinic", "push": "topic"}}`. */
    NOTIFY_TENANT_ROUTES: tenantRoutesJson,
    /** Comma-separated `channel:recipient` pairs that must receive nothing on that channel. */
    NOTIFY_OPT_OUTS: z.string().default(''),
    /** Attempts per delivery before it goes to the group's DLQ (issue 8: 3). */
    NOTIFY_MAX_ATTEMPTS: positiveInt.max(10).default(3),
    /** First retry delay; each further retry doubles it (with jitter). */
    NOTIFY_RETRY_BASE_MS: positiveInt.default(1_000),
    /** A provider call taking longer counts as failed (and is retried with the same idempotency key). */
    NOTIFY_SEND_TIMEOUT_MS: positiveInt.default(10_000),
    /** Provider calls in flight per channel: a slow provider holds slots, never a partition. */
    NOTIFY_CONCURRENCY: positiveInt.max(1_000).default(64),
    /** How often the outbox is swept for deliveries nobody in memory owns (restarts, retries, DLQ). */
    NOTIFY_SWEEP_MS: positiveInt.default(5_000),
  })
  .superRefine((c, ctx) => {
    // This service stores patients' and customers' contacts and message texts: sealed, so keys are required.
    if (!c.ENCRYPTION_KEYS) ctx.addIssue({ code: 'custom', path: ['ENCRYPTION_KEYS'], message: 'required: kid:base64key[,kid:base64key...] (32-byte keys)' });
    if (c.NOTIFY_SMS_PROVIDER === 'webhook' && !c.NOTIFY_SMS_WEBHOOK_URL) ctx.addIssue({ code: 'custom', path: ['NOTIFY_SMS_WEBHOOK_URL'], message: 'required when NOTIFY_SMS_PROVIDER=webhook' });
    if (c.NOTIFY_PUSH_PROVIDER === 'webhook' && !c.NOTIFY_PUSH_WEBHOOK_URL) ctx.addIssue({ code: 'custom', path: ['NOTIFY_PUSH_WEBHOOK_URL'], message: 'required when NOTIFY_PUSH_PROVIDER=webhook' });
    if (c.SMTP_USER && !c.SMTP_PASSWORD) ctx.addIssue({ code: 'custom', path: ['SMTP_PASSWORD'], message: 'required when SMTP_USER is set' });
    const bad = parseOptOuts(c.NOTIFY_OPT_OUTS).invalid;
    if (bad.length) ctx.addIssue({ code: 'custom', path: ['NOTIFY_OPT_OUTS'], message: `entries must be channel:recipient, got ${bad.join(', ')}` });
  });
export type NotificationConfig = z.output<typeof NotificationEnv>;

/** `sms:+44 20 7946 0000,email:a@b.example` → the set of normalised `channel:recipient` keys. */
export function parseOptOuts(raw: string): { keys: Set<string>; invalid: string[] } {
  const keys = new Set<string>();
  const invalid: string[] = [];
  for (const entry of raw.split(',').map((e) => e.trim()).filter(Boolean)) {
    const at = entry.indexOf(':');
    const channel = Channel.safeParse(entry.slice(0, at));
    if (at < 1 || !channel.success || entry.length === at + 1) invalid.push(entry);
    else keys.add(recipientKey(channel.data, entry.slice(at + 1)));
  }
  return { keys, invalid };
}

/** One spelling per recipient, so an opt-out matches however the event wrote the number. */
export function recipientKey(channel: Channel, recipient: string): string {
  const r = recipient.trim();
  const normal = channel === 'sms' ? r.replace(/[\s()-]/g, '') : channel === 'email' ? r.toLowerCase() : r;
  return `${channel}:${normal}`;
}
