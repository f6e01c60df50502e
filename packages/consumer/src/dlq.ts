import type { IHeaders, KafkaMessage, Message } from 'kafkajs';
import type { ErrorCode } from '@medlives/errors';
import type { RecordOrigin } from './types';

/** Headers a dead letter carries on top of the original ones (MISSION §5). */
export const DLQ_HEADERS = {
  errorCode: 'x-error-code',
  errorMessage: 'x-error-message',
  originalTopic: 'x-original-topic',
  originalPartition: 'x-original-partition',
  originalOffset: 'x-original-offset',
  consumerGroup: 'x-consumer-group',
  failedAt: 'x-failed-at',
} as const;

/** Kafka headers should stay small; the full story is in the logs. */
const MAX_ERROR_MESSAGE = 1_000;

export interface DeadLetterInput {
  readonly message: Pick<KafkaMessage, 'key' | 'value' | 'headers'>;
  readonly origin: RecordOrigin;
  readonly groupId: string;
  readonly code: ErrorCode;
  readonly error: string;
  readonly failedAt?: Date;
}

/** The original key, value and headers, plus why and where it failed. */
export function deadLetter(input: DeadLetterInput): Message {
  const headers: IHeaders = { ...(input.message.headers ?? {}) };
  headers[DLQ_HEADERS.errorCode] = input.code;
  headers[DLQ_HEADERS.errorMessage] = input.error.slice(0, MAX_ERROR_MESSAGE);
  headers[DLQ_HEADERS.originalTopic] = input.origin.topic;
  headers[DLQ_HEADERS.originalPartition] = String(input.origin.partition);
  headers[DLQ_HEADERS.originalOffset] = input.origin.offset;
  headers[DLQ_HEADERS.consumerGroup] = input.groupId;
  headers[DLQ_HEADERS.failedAt] = (input.failedAt ?? new Date()).toISOString();
  return { key: input.message.key, value: input.message.value, headers };
}

/** The original headers of a dead letter, without the ones the DLQ added (used by a re-drive). */
export function originalHeaders(headers: IHeaders | undefined): IHeaders {
  const added = new Set<string>(Object.values(DLQ_HEADERS));
  return Object.fromEntries(Object.entries(headers ?? {}).filter(([name]) => !added.has(name) && !name.startsWith('x-redrive')));
}
