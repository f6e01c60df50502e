import type { KafkaMessage, Message } from 'kafkajs';
import { AppError, type ErrorCode } from '@medlives/errors';
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
 *
 * Outage rule (issue 12 hole 2): when bisection finds that every record of the batch fails, and
 * all with the same code, the fault is the sink's, not the records' — a database that refuses
 * our credentials (18), is out of disk, or lost its write concern fails every write alike, and
 * no sink can list every such code up front. Dead-lettering would empty the stream into the DLQ
 * and commit it; instead the batch fails as retriable: pause, back off, no commit, no DLQ.
 * A one-record batch has nothing to compare with and stays on the poison path.
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
    const thrown: Failed[] = [];
    const isolated = await this.isolate(good, thrown);
    const codes = new Set(thrown.map((f) => f.code));
    if (good.length > 1 && thrown.length === good.length && codes.size === 1) {
      throw new AppError(thrown[0]!.code, `every record of the batch (${good.length}) failed alike, treating it as an outage: ${thrown[0]!.reason}`, {
        retriable: true,
        context: { records: good.length },
      });
    }
    out.push(...isolated);
    for (const f of out) this.metrics.errors.inc({ group: this.groupId, code: f.code });
    return out;
  }

  private async isolate(items: Array<{ input: WriterInput<T>; event: SinkEvent<T> }>, thrown: Failed[]): Promise<Failed[]> {
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
      if (items.length === 1) {
        const f = failed(items[0]!.input, c.code, c.message);
        thrown.push(f);
        return [f];
      }
      const mid = Math.ceil(items.length / 2);
      return [...(await this.isolate(items.slice(0, mid), thrown)), ...(await this.isolate(items.slice(mid), thrown))];
    }
  }
}
