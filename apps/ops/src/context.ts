import type { Kafka } from 'kafkajs';
import { createKafka } from '@medlives/kafka';
import { KafkaEnv, kafkaConnection, parseConfig } from '@medlives/runtime';
import { CONSUMER_GROUPS, type ConsumerGroupSpec, resolveGroupId } from '@medlives/topology';
import { UsageError } from './args';

export interface CliIo {
  out(line: string): void;
  /** Progress and diagnostics; stdout stays parseable. @default out */
  err?(line: string): void;
}

export interface CliDeps {
  /** KAFKA_BROKERS, TOPIC_PREFIX, KAFKA_SASL_*, KAFKA_SSL. @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** Injected by tests; built from env otherwise. */
  readonly kafka?: Kafka;
  readonly now?: () => Date;
}

export interface KafkaContext {
  readonly kafka: Kafka;
  readonly prefix: string;
}

export function kafkaContext(deps: CliDeps): KafkaContext {
  const env = parseConfig(KafkaEnv, deps.env ?? process.env);
  const kafka = deps.kafka ?? createKafka({ ...kafkaConnection(env, 'medlives-ops'), connectionTimeoutMs: 5_000 }, { retries: 2 });
  return { kafka, prefix: env.TOPIC_PREFIX };
}

/** A group named by its id (`order-persistence-service`), its app (`order-persistence`) or its key (`orderPersistence`). */
export function findGroup(name: string, prefix = ''): ConsumerGroupSpec {
  const groups = Object.entries(CONSUMER_GROUPS);
  const match = groups.find(([key, g]) => [key, g.id, g.app, resolveGroupId(g, prefix)].includes(name));
  if (!match) throw new UsageError(`unknown group "${name}"; one of: ${groups.map(([, g]) => g.id).join(', ')}`);
  return match[1];
}
