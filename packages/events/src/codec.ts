import { type TopicSpec, keyPathFor, resolveTopicName, topicForEventType } from '@medlives/topology';
import type { ErrorCode } from '@medlives/errors';
import { type Envelope, validateEnvelope } from './envelope';
import type { FieldIssue } from './issues';
import type { EventType } from './registry';

export const HEADERS = {
  eventType: 'event-type',
  eventVersion: 'event-version',
  eventId: 'event-id',
  correlationId: 'correlation-id',
  contentType: 'content-type',
} as const;

export const CONTENT_TYPE = 'application/json';

/** The shape KafkaJS producers accept and consumers deliver (kept structural: no kafkajs import). */
export interface KafkaRecord {
  key: Buffer | string | null;
  value: Buffer | string | null;
  headers?: Record<string, Buffer | string | (Buffer | string)[] | undefined>;
}

export interface EncodedEvent {
  topic: string;
  message: { key: string; value: string; headers: Record<string, string> };
}

export function topicOf(eventType: EventType): TopicSpec {
  const spec = topicForEventType(eventType);
  // The unit test "every event type has a topic" makes this unreachable; keep the message honest.
  if (!spec) throw new Error(`no topic carries ${eventType}`);
  return spec;
}

/** The record key the topology prescribes for this event's topic. */
export function keyOf(envelope: Envelope): string {
  const key = keyPathFor(topicOf(envelope.eventType), envelope.eventType);
  if (key === 'original') throw new Error(`${envelope.eventType}: topic has no key rule`);
  const [scope, field] = key.split('.', 2) as ['envelope' | 'data', string];
  const source = (scope === 'envelope' ? envelope : envelope.data) as unknown as Record<string, unknown>;
  const value = source[field];
  if (typeof value !== 'string' || value.length === 0) throw new Error(`${envelope.eventType}: key ${key} is empty`);
  return value;
}

/** Envelope → Kafka record on its topology topic. The envelope is validated first: nothing invalid is published. */
export function encodeEvent(envelope: Envelope, options: { prefix?: string } = {}): EncodedEvent {
  const checked = validateEnvelope(envelope);
  if (!checked.ok) {
    throw new Error(`refusing to encode invalid ${envelope.eventType}: ${checked.issues.map((i) => i.path).join(', ')}`);
  }
  return {
    topic: resolveTopicName(topicOf(envelope.eventType), options.prefix),
    message: {
      key: keyOf(checked.value),
      value: JSON.stringify(checked.value),
      headers: {
        [HEADERS.eventType]: envelope.eventType,
        [HEADERS.eventVersion]: String(envelope.version),
        [HEADERS.eventId]: envelope.eventId,
        [HEADERS.correlationId]: envelope.correlationId,
        [HEADERS.contentType]: CONTENT_TYPE,
      },
    },
  };
}

export type DecodeErrorCode = Extract<
  ErrorCode,
  'EMPTY_VALUE' | 'MALFORMED_JSON' | 'UNKNOWN_EVENT_TYPE' | 'UNSUPPORTED_VERSION' | 'SCHEMA_INVALID'
>;

export interface DecodeFailure {
  ok: false;
  code: DecodeErrorCode;
  message: string;
  issues: FieldIssue[];
}

export type DecodeResult = { ok: true; envelope: Envelope } | DecodeFailure;

function failure(code: DecodeErrorCode, message: string, issues: FieldIssue[] = []): DecodeFailure {
  return { ok: false, code, message, issues };
}

export function headerString(record: KafkaRecord, name: string): string | undefined {
  const raw = record.headers?.[name];
  const first = Array.isArray(raw) ? raw[0] : raw;
  return first === undefined ? undefined : first.toString();
}

/**
 * Kafka record → envelope. Never throws: every failure is typed so a consumer can route it to
 * its DLQ with the code and the failing fields in headers.
 */
export function decodeEvent(record: KafkaRecord): DecodeResult {
  if (record.value === null || record.value.length === 0) return failure('EMPTY_VALUE', 'record has no value');
  let parsed: unknown;
  try {
    parsed = JSON.parse(record.value.toString());
  } catch (error) {
    return failure('MALFORMED_JSON', `value is not JSON: ${(error as Error).message}`);
  }
  const result = validateEnvelope(parsed);
  if (result.ok) {
    const headerType = headerString(record, HEADERS.eventType);
    if (headerType !== undefined && headerType !== result.value.eventType) {
      return failure('SCHEMA_INVALID', `header ${HEADERS.eventType}=${headerType} disagrees with eventType`, [
        { path: 'eventType', message: `header says ${headerType}` },
      ]);
    }
    return { ok: true, envelope: result.value };
  }
  const [first] = result.issues;
  const code: DecodeErrorCode =
    first?.path === 'eventType' && first.message.startsWith('unknown')
      ? 'UNKNOWN_EVENT_TYPE'
      : first?.path === 'version' && first.message.startsWith('unsupported')
        ? 'UNSUPPORTED_VERSION'
        : 'SCHEMA_INVALID';
  return failure(code, result.issues.map((i) => `${i.path}: ${i.message}`).join('; '), result.issues);
}
