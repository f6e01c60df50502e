import type { IHeaders, KafkaMessage } from 'kafkajs';
import { DLQ_HEADERS } from '@medlives/consumer';

/** Headers of the records `dlq redrive` appends to a DLQ to mark entries done. */
export const MARKER_HEADERS = {
  marker: 'x-medlives-dlq-marker',
  of: 'x-redrive-of',
  at: 'x-redriven-at',
  to: 'x-redriven-to',
} as const;

export interface DlqEntry {
  readonly partition: number;
  readonly offset: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: IHeaders;
  readonly code: string;
  readonly error: string;
  readonly failedAt: string;
  /** topic/partition/offset of the record that failed. */
  readonly original: { topic: string; partition: string; offset: string };
}

export interface DlqMarker {
  /** `partition:offset` of the entry it closes. */
  readonly of: string;
  readonly at: string;
  readonly to: string;
}

export type EntryStatus = { state: 'pending' } | { state: 'redriven'; marker: DlqMarker } | { state: 'duplicate'; of: string };

function header(headers: IHeaders | undefined, name: string): string {
  const raw = headers?.[name];
  const first = Array.isArray(raw) ? raw[0] : raw;
  return first === undefined ? '' : first.toString();
}

export const entryId = (e: { partition: number; offset: string }) => `${e.partition}:${e.offset}`;

/** Splits what was read from a DLQ into dead letters and markers. */
export function classify(records: ReadonlyArray<{ partition: number; message: KafkaMessage }>): { entries: DlqEntry[]; markers: Map<string, DlqMarker> } {
  const entries: DlqEntry[] = [];
  const markers = new Map<string, DlqMarker>();
  for (const { partition, message } of records) {
    const h = message.headers ?? {};
    if (header(h, MARKER_HEADERS.marker)) {
      const of = header(h, MARKER_HEADERS.of);
      if (of && !markers.has(of)) markers.set(of, { of, at: header(h, MARKER_HEADERS.at), to: header(h, MARKER_HEADERS.to) });
      continue;
    }
    entries.push({
      partition,
      offset: message.offset,
      key: message.key,
      value: message.value,
      headers: h,
      code: header(h, DLQ_HEADERS.errorCode),
      error: header(h, DLQ_HEADERS.errorMessage),
      failedAt: header(h, DLQ_HEADERS.failedAt),
      original: {
        topic: header(h, DLQ_HEADERS.originalTopic),
        partition: header(h, DLQ_HEADERS.originalPartition),
        offset: header(h, DLQ_HEADERS.originalOffset),
      },
    });
  }
  return { entries, markers };
}

/**
 * Redriven when a marker closes it; a duplicate when an earlier entry holds the same original
 * record (a batch dead-lettered twice after a retry): re-driving it again would publish twice.
 */
export function statuses(entries: readonly DlqEntry[], markers: ReadonlyMap<string, DlqMarker>): Map<string, EntryStatus> {
  const out = new Map<string, EntryStatus>();
  const firstByOriginal = new Map<string, string>();
  const ordered = [...entries].sort((a, b) => a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset)));
  for (const e of ordered) {
    const id = entryId(e);
    const marker = markers.get(id);
    const original = e.original.topic ? `${e.original.topic}/${e.original.partition}/${e.original.offset}` : id;
    const first = firstByOriginal.get(original);
    if (marker) out.set(id, { state: 'redriven', marker });
    else if (first) out.set(id, { state: 'duplicate', of: first });
    else out.set(id, { state: 'pending' });
    if (!first) firstByOriginal.set(original, id);
  }
  return out;
}

/** One line about the payload: event type and ids when it is an envelope, else its size. */
export function payloadSummary(value: Buffer | null): string {
  if (!value || value.length === 0) return '(empty)';
  try {
    const v = JSON.parse(value.toString('utf8')) as { eventType?: unknown; eventId?: unknown; data?: { orderId?: unknown } };
    const parts = [v.eventType, v.data?.orderId, v.eventId].filter((p) => typeof p === 'string');
    return parts.length ? parts.join(' ') : `JSON, ${value.length} bytes`;
  } catch {
    return `${value.length} bytes, not JSON`;
  }
}
