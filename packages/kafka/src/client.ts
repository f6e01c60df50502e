import { Kafka, type KafkaConfig, type SASLOptions, logLevel } from 'kafkajs';
import { registerLz4Codec } from './lz4';

export interface KafkaConnection {
  /** host:port list. */
  readonly brokers: readonly string[];
  readonly clientId: string;
  /** SCRAM credentials (prod: from the Strimzi KafkaUser Secret). */
  readonly sasl?: { readonly mechanism: 'scram-sha-512' | 'scram-sha-256' | 'plain'; readonly username: string; readonly password: string };
  readonly ssl?: boolean;
  /** Fail fast instead of KafkaJS' long default so callers can answer 503 quickly. */
  readonly connectionTimeoutMs?: number;
  readonly requestTimeoutMs?: number;
}

registerLz4Codec();

// KafkaJS prints a banner about its v2 partitioner change on every producer; we choose it explicitly.
process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';

export function parseBrokers(value: string): string[] {
  return value
    .split(',')
    .map((b) => b.trim())
    .filter(Boolean);
}

export function createKafka(connection: KafkaConnection, options: { retries?: number; log?: boolean } = {}): Kafka {
  const config: KafkaConfig = {
    clientId: connection.clientId,
    brokers: [...connection.brokers],
    connectionTimeout: connection.connectionTimeoutMs ?? 3_000,
    requestTimeout: connection.requestTimeoutMs ?? 10_000,
    logLevel: options.log ? logLevel.INFO : logLevel.NOTHING,
    retry: { retries: options.retries ?? 5, initialRetryTime: 100, maxRetryTime: 2_000 },
  };
  if (connection.ssl) config.ssl = true;
  if (connection.sasl) config.sasl = { ...connection.sasl } as SASLOptions;
  return new Kafka(config);
}
