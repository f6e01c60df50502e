import type { IHeaders, KafkaMessage } from 'kafkajs';
import type { Sink, SinkEvent } from '@medlives/consumer';
import type { Envelope } from '@medlives/events';
import type { Channel, TenantRoute } from './config';
import type { Dispatcher } from './dispatcher';
import type { NotificationMetrics } from './metrics';
import { type Contact, contactOf, orderIdNeedingContact, planNotifications } from './domain/plan';
import { type DeliveryDoc, type SourceRecord, deliveryId } from './store/collections';
import type { NotificationStore } from './store/outbox';

/** The group's input: the decoded envelope plus the raw record (kept to dead-letter it unchanged). */
export interface NotificationInput {
  readonly envelope: Envelope;
  readonly message: Pick<KafkaMessage, 'key' | 'value' | 'headers'>;
}

export interface NotificationSinkOptions {
  readonly store: NotificationStore;
  readonly dispatcher: Dispatcher;
  readonly metrics: NotificationMetrics;
  readonly routes: Readonly<Record<string, TenantRoute>>;
  readonly optOuts: ReadonlySet<string>;
  readonly enabled: ReadonlySet<Channel>;
}

/**
 * Turns an event into delivery rows and hands the new ones to the dispatcher. It never waits
 * for a provider: once the rows are stored the offset may commit, and the rows carry the send.
 * Idempotent: a redelivered event finds its rows (same `<eventId>:<channel>` ids) and adds none.
 */
export function createNotificationSink(options: NotificationSinkOptions): Sink<NotificationInput> {
  const { store, dispatcher, metrics } = options;
  return {
    /**
     * The group hands over what was already fetched, without waiting for more (topology: no
     * wait); the batch is planned and stored in one insert, its contacts in one write.
     */
    async write(events) {
      // Contacts learnt in this batch (order.created: kept if new; order.updated: merged), and
      // the ones other events need looked up: one insert, one bulk replace, one lookup per batch.
      const inBatch = new Map<string, Contact>();
      const created = new Map<string, Contact>();
      const changed = new Map<string, Contact>();
      for (const { value } of events) {
        const contact = contactOf(value.envelope);
        const orderId = (value.envelope.data as { orderId?: string }).orderId;
        if (!contact || !orderId) continue;
        const key = `${value.envelope.tenantCode}:${orderId}`;
        inBatch.set(key, { ...inBatch.get(key), ...contact });
        const into = value.envelope.eventType === 'order.created' ? created : changed;
        into.set(key, { ...into.get(key), ...contact });
      }
      const wanted = events.map(({ value: { envelope } }) => {
        const orderId = contactOf(envelope) ? undefined : orderIdNeedingContact(envelope);
        return orderId ? `${envelope.tenantCode}:${orderId}` : undefined;
      });
      const missing = wanted.filter((k): k is string => k !== undefined && !inBatch.has(k));
      const [stored] = await Promise.all([store.findContacts(missing), store.saveContacts(created, changed)]);
      const known = events.map(({ value: { envelope } }, i) => contactOf(envelope) ?? (wanted[i] ? (inBatch.get(wanted[i]) ?? stored.get(wanted[i])) : undefined));
      const now = new Date();
      const docs = events.flatMap((event, i) => deliveryDocs(event, known[i], options, now));
      const inserted = await store.insertDeliveries(docs);
      const fresh = docs.filter((d) => inserted.has(d._id));
      for (const d of fresh) if (d.status === 'skipped') metrics.deliveries.inc({ channel: d.channel, outcome: 'skipped' });
      dispatcher.enqueue(fresh.filter((d) => d.status === 'pending'));
    },
    ping: () => store.ping(),
  };
}

function deliveryDocs(event: SinkEvent<NotificationInput>, contact: Contact | undefined, options: NotificationSinkOptions, now: Date): DeliveryDoc[] {
  const { envelope } = event.value;
  const planned = planNotifications(envelope, { contact, routes: options.routes, optOuts: options.optOuts, enabled: options.enabled });
  if (planned.length === 0) return [];
  const source = sourceRecord(event);
  return planned.map((p) => ({
    _id: deliveryId(envelope.eventId, p.channel),
    eventId: envelope.eventId,
    eventType: envelope.eventType,
    channel: p.channel,
    tenantCode: envelope.tenantCode,
    ...(p.orderId ? { orderId: p.orderId } : {}),
    ...(p.patientId ? { patientId: p.patientId } : {}),
    recipient: p.recipient,
    subject: p.subject,
    body: p.body,
    status: p.skip ? 'skipped' : 'pending',
    ...(p.skip ? { reason: p.skip } : { nextAttemptAt: now }),
    attempts: 0,
    createdAt: now,
    updatedAt: now,
    source,
  }));
}

function sourceRecord(event: SinkEvent<NotificationInput>): SourceRecord {
  const { message } = event.value;
  const b64 = (v: Buffer | string | null | undefined) => (v === null || v === undefined ? null : Buffer.from(v).toString('base64'));
  return { ...event.origin, key: b64(message.key), value: b64(message.value), headers: headerStrings(message.headers) };
}

function headerStrings(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value === undefined) continue;
    const first = Array.isArray(value) ? value[0] : value;
    if (first !== undefined) out[name] = Buffer.from(first).toString('base64');
  }
  return out;
}

/** The stored source record back as Kafka fields. */
export function sourceMessage(source: SourceRecord): { key: Buffer | null; value: Buffer | null; headers: IHeaders } {
  const headers: IHeaders = {};
  for (const [name, value] of Object.entries(source.headers)) headers[name] = Buffer.from(value, 'base64');
  return {
    key: source.key === null ? null : Buffer.from(source.key, 'base64'),
    value: source.value === null ? null : Buffer.from(source.value, 'base64'),
    headers,
  };
}
