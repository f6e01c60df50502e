import type { KafkaMessage } from 'kafkajs';
import type { AppError, ErrorCode } from '@medlives/errors';

/** Where a record came from; carried into logs, DLQ headers and sink errors. */
export interface RecordOrigin {
  readonly topic: string;
  readonly partition: number;
  /** Kafka offset as a decimal string (64-bit). */
  readonly offset: string;
}

export type Decoded<T> = { ok: true; value: T } | { ok: false; code: ErrorCode; message: string };

/** Turns a raw record into the sink's input or a typed, permanent failure (→ DLQ). Must not throw. */
export type DecodeFn<T> = (message: KafkaMessage, origin: RecordOrigin) => Decoded<T>;

/** A decoded record handed to the sink, in partition order. */
export interface SinkEvent<T> {
  readonly value: T;
  readonly origin: RecordOrigin;
}

export interface SinkRejection {
  /** Index into the `events` array given to `write`. */
  readonly index: number;
  readonly error: AppError;
}

export interface SinkResult {
  /** Events the sink refuses permanently (a domain error): they go to the DLQ, the rest commits. */
  readonly rejected?: readonly SinkRejection[];
}

/**
 * What a consumer group writes to. `write` must be idempotent (the runtime delivers at least
 * once) and either succeed for the whole batch or throw: a retriable AppError pauses the
 * partitions and retries with backoff; any other error makes the runtime isolate the offending
 * event by bisection and dead-letter it.
 */
export interface Sink<T> {
  write(events: readonly SinkEvent<T>[]): Promise<SinkResult | void>;
  /** Cheap reachability probe for /readyz. */
  ping?(): Promise<void>;
  /**
   * The member's partitions changed (called on every group join, when no batch is in flight):
   * drop any state that assumed ownership of the old ones.
   */
  onRebalance?(): void;
}
