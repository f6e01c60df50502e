import { z } from 'zod';
import { AppError } from '@medlives/errors';
import type { KafkaConnection } from '@medlives/kafka';
import { parseBrokers } from '@medlives/kafka';

/**
 * Parses the environment once against a schema. On failure the error lists every bad key, so
 * main.ts can print them all and exit non-zero (STYLE habit 2).
 */
export function parseConfig<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv = process.env): z.output<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const lines = result.error.issues.map((i) => `${i.path.join('.') || '(env)'}: ${i.message}`);
  throw new AppError('CONFIG_INVALID', `invalid configuration:\n  ${lines.join('\n  ')}`, { context: { keys: lines } });
}

const csv = z.string().min(1);
const optionalText = z.string().trim().min(1).optional();

/** Kafka settings every app shares. */
export const KafkaEnv = z.object({
  KAFKA_BROKERS: csv.default('127.0.0.1:19092').refine((v) => parseBrokers(v).every((b) => /^[^:\s]+:\d+$/.test(b)), {
    message: 'must be a comma-separated list of host:port',
  }),
  KAFKA_CLIENT_ID: z.string().min(1).optional(),
  KAFKA_SASL_MECHANISM: z.enum(['scram-sha-512', 'scram-sha-256', 'plain']).optional(),
  KAFKA_SASL_USERNAME: optionalText,
  KAFKA_SASL_PASSWORD: optionalText,
  KAFKA_SSL: z.enum(['true', 'false']).default('false'),
  /** Prepended to every topic and group (tests, shared dev clusters); empty in production. */
  TOPIC_PREFIX: z.string().regex(/^[a-zA-Z0-9._-]*$/).default(''),
});
export type KafkaEnv = z.output<typeof KafkaEnv>;

export const MongoEnv = z.object({
  MONGO_URL: z.string().regex(/^mongodb(\+srv)?:\/\//, 'must be a mongodb:// or mongodb+srv:// URL').default('mongodb://127.0.0.1:27018/medlives'),
});

export const CommonEnv = z.object({
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Must stay below the pod's terminationGracePeriodSeconds. */
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().positive().default(20_000),
});

export function kafkaConnection(env: KafkaEnv, clientId: string): KafkaConnection {
  const sasl =
    env.KAFKA_SASL_MECHANISM && env.KAFKA_SASL_USERNAME && env.KAFKA_SASL_PASSWORD
      ? { mechanism: env.KAFKA_SASL_MECHANISM, username: env.KAFKA_SASL_USERNAME, password: env.KAFKA_SASL_PASSWORD }
      : undefined;
  return {
    brokers: parseBrokers(env.KAFKA_BROKERS),
    clientId: env.KAFKA_CLIENT_ID ?? clientId,
    ...(sasl ? { sasl } : {}),
    ssl: env.KAFKA_SSL === 'true',
  };
}

/** The database named in a MongoDB URL, or `medlives` when it names none (every app agrees). */
export function mongoDatabaseName(url: string): string {
  const path = /^mongodb(?:\+srv)?:\/\/[^/]+\/([^?]*)/.exec(url)?.[1];
  return path ? decodeURIComponent(path) : 'medlives';
}
