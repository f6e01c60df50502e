import type { KafkaMessage, Message } from 'kafkajs';
import type { ErrorCode } from '@medlives/errors';
import { classifyError } from './classify';
import { deadLetter } from './dlq';
import type { ConsumerMetrics } from './metrics';
import type { Decoded, RecordOrigin, Sink, SinkEvent } from './types';

export interface WriterInput<T> {
  readonly origin: RecordOrigin;
  readonly message: KafkaMessage;
  readonly decoded: Decoded<T>;
}

/** A record the group gives up on: it goes to the DLQ and its offset still commits. */
export interface Failed {
  readonly origin: RecordOrigin;
  readonly code: ErrorCode;
  readonly reason: string;
  deadLetter(groupId: string): Message;
}

function failed(input: WriterInput<unknown>, code: ErrorCode, reason: string): Failed {
  return {
    origin: input.origin,
    code,
    reason,
    deadLetter: (groupId) => deadLetter({ message: input.message, origin: input.origin, groupId, code, error: reason }),
  };
}

/**
 * Writes a batch to the sink and sorts out what cannot be written: undecodable records, events
 * the sink rejects, and — when the sink throws a permanent error for the whole batch — the
 * culprit, found by bisection so the healthy records still land. Retriable errors propagate:
 * the caller retries the whole batch later and the sink's idempotency absorbs the repeats.
 */
export class SinkWriter<T> {
  constructor(
    private readonly sink: Sink<T>,
    private readonly groupId: string,
    private readonly metrics: ConsumerMetrics,
  ) {}

  async write(items: ReadonlyArray<WriterInput<T>>): Promise<Failed[]> {
    const out: Failed[] = [];
    const good: Array<{ input: WriterInput<T>; event: SinkEvent<T> }> = [];
    for (const input of items) {
      if (input.decoded.ok) good.push({ input, event: { value: input.decoded.value, origin: input.origin } });
      else out.push(failed(input, input.decoded.code, input.decoded.message));
    }
    out.push(...(await this.isolate(good)));
    for (const f of out) this.metrics.errors.inc({ group: this.groupId, code: f.code });
    return out;
  }

  private async isolate(items: Array<{ input: WriterInput<T>; event: SinkEvent<T> }>): Promise<Failed[]> {
    if (items.length === 0) return [];
    try {
      const result = await this.sink.write(items.map((i) => i.event));
      return (result?.rejected ?? []).flatMap((r) => {
        const item = items[r.index];
        return item ? [failed(item.input, r.error.code, r.error.message)] : [];
      });
    } catch (error) {
      const c = classifyError(error);
      if (c.retriable) throw error;
      if (items.length === 1) return [failed(items[0]!.input, c.code, c.message)];
      const mid = Math.ceil(items.length / 2);
      return [...(await this.isolate(items.slice(0, mid))), ...(await this.isolate(items.slice(mid)))];
    }
  }
}
