import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { EncryptionEnv } from '@medlives/crypto';
import { AnalyticsDbEnv } from '@medlives/analytics';
import { CommonEnv, KafkaEnv, MongoEnv, parseConfig } from '@medlives/runtime';

export const WRITE_MODES = ['kafka', 'dual', 'direct'] as const;
export type WriteMode = (typeof WRITE_MODES)[number];

const bytes = z
  .string()
  .regex(/^\d+(kb|mb)?$/i, 'must be a byte count like 262144, 256kb or 1mb')
  .transform((v) => {
    const n = Number.parseInt(v, 10);
    return /kb$/i.test(v) ? n * 1024 : /mb$/i.test(v) ? n * 1024 * 1024 : n;
  });

export const ApiEnv = z
  .object({
    PORT: z.coerce.number().int().min(0).max(65_535).default(8080),
    /** kafka (default) | dual (Kafka + direct insert, migration) | direct (old design, rollback and baseline). */
    WRITE_MODE: z.enum(WRITE_MODES).default('kafka'),
    /** `tenantCode:key,…` and `admin:key` for the admin role. */
    API_KEYS: z.string().optional(),
    /** A mounted Secret file with the same format (one entry per line or comma-separated). */
    API_KEYS_FILE: z.string().optional(),
    BODY_LIMIT: bytes.default(256 * 1024),
    /** The longest a write waits for Kafka before it answers 503 (the outcome may still be a write). */
    PUBLISH_TIMEOUT_MS: z.coerce.number().int().positive().default(2_000),
    /** How long the broker may wait for the in-sync replicas (acks=all); the client waits 5 s longer. */
    KAFKA_ACK_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000),
    PUBLISH_LINGER_MS: z.coerce.number().int().min(0).default(2),
    PUBLISH_MAX_BATCH: z.coerce.number().int().positive().default(500),
    RATE_LIMIT_PER_SECOND: z.coerce.number().positive().default(500),
    RATE_LIMIT_BURST: z.coerce.number().positive().default(1_000),
    IDEMPOTENCY_TTL_HOURS: z.coerce.number().positive().default(24),
    /** How long a pending Idempotency-Key claim is held before a retry may take it over and re-drive it. */
    IDEMPOTENCY_LEASE_MS: z.coerce.number().int().positive().default(10_000),
    /** Longest `GET /orders/:id?waitFor=persisted` may hold a request (≤ 30 s). */
    ORDER_WAIT_MAX_MS: z.coerce.number().int().min(0).max(30_000).default(30_000),
    /** Comment line sent on idle delivery streams so proxies and clients see the connection alive. */
    SSE_HEARTBEAT_MS: z.coerce.number().int().min(100).default(15_000),
    /** A delivery stream is closed after this long; EventSource clients reconnect with Last-Event-ID. */
    SSE_MAX_STREAM_MS: z.coerce.number().int().min(1_000).default(30 * 60_000),
    /** Names this instance's delivery-feed consumer group (default: hostname + random). */
    DELIVERY_FEED_INSTANCE: z.string().regex(/^[a-zA-Z0-9._-]{1,100}$/).optional(),
  })
  .merge(KafkaEnv)
  .merge(MongoEnv)
  .merge(AnalyticsDbEnv)
  .merge(CommonEnv)
  // The read side of care records decrypts them (optional: without keys those routes answer 503).
  .merge(EncryptionEnv)
  .superRefine((env, ctx) => {
    if (!env.API_KEYS && !env.API_KEYS_FILE) {
      ctx.addIssue({ code: 'custom', path: ['API_KEYS'], message: 'set API_KEYS or API_KEYS_FILE' });
    }
    if (env.IDEMPOTENCY_LEASE_MS > 0 && env.IDEMPOTENCY_LEASE_MS < env.PUBLISH_TIMEOUT_MS) {
      // A lease shorter than a publish would let a retry re-drive a request that is still in flight.
      ctx.addIssue({ code: 'custom', path: ['IDEMPOTENCY_LEASE_MS'], message: 'must be at least PUBLISH_TIMEOUT_MS' });
    }
  });

export type ApiConfig = z.output<typeof ApiEnv> & { apiKeys: ApiKey[] };

export interface ApiKey {
  key: string;
  tenantCode: string;
  role: 'tenant' | 'admin';
}

export function parseApiKeys(text: string): ApiKey[] {
  const entries = text
    .split(/[,\n]/)
    .map((e) => e.trim())
    .filter(Boolean);
  return entries.map((entry) => {
    const at = entry.indexOf(':');
    const tenant = entry.slice(0, at);
    const key = entry.slice(at + 1);
    if (at <= 0 || key.length < 8) throw new Error(`API key entry "${tenant || entry.slice(0, 4)}…" must be tenantCode:key with a key of 8+ characters`);
    return { key, tenantCode: tenant, role: tenant === 'admin' ? 'admin' : 'tenant' };
  });
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): ApiConfig {
  const parsed = parseConfig(ApiEnv, env);
  const text = parsed.API_KEYS_FILE ? readFileSync(parsed.API_KEYS_FILE, 'utf8') : (parsed.API_KEYS ?? '');
  return { ...parsed, apiKeys: parseApiKeys(text) };
}
