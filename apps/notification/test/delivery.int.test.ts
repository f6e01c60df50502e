/**
 * Issue 8 §4 acceptance, delivery semantics against a real HTTP provider: retries with backoff,
 * exactly one delivery per event and channel, the DLQ after the last attempt, opt-outs, and the
 * customer of an order reached again on its status changes.
 */
import type { KafkaMessage } from 'kafkajs';
import { DLQ_HEADERS } from '@medlives/consumer';
import { resolveTopicName } from '@medlives/topology';
import { sampleEvent, waitFor } from '@medlives/testkit';
import { readWholeTopic } from '../../ops/src/dlq/read';
import { type App, NOTIFICATION_DLQ_HEADERS } from '../src/app';
import { GROUP, type Harness, harness } from './support/harness';
import { orderCreated, phone, pushTopic } from './support/events';

const header = (m: KafkaMessage, name: string) => m.headers?.[name]?.toString();

describe('notification delivery', () => {
  let h: Harness;
  let app: App;
  beforeAll(async () => {
    h = await harness('nt-delivery');
    app = await h.startApp({ NOTIFY_OPT_OUTS: `sms:${phone(1, 99)}` });
  });
  afterAll(() => h?.cleanup());

  const metric = async (name: string, labels: Record<string, string>) => {
    const m = await app.registry.getSingleMetric(name)?.get();
    return m?.values.filter((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x)).reduce((n, v) => n + v.value, 0) ?? 0;
  };

  it('reports ready once it has joined and can reach its database (the sink ping)', async () => {
    const body = await waitFor('/readyz to answer 200', async () => {
      const res = await fetch(`http://127.0.0.1:${app.port}/readyz`);
      const json = (await res.json()) as { ok: boolean; sink?: string };
      return res.status === 200 ? json : undefined;
    });
    expect(body.ok).toBe(true);
    expect(body.sink).toBe('reachable');
  });

  it('when the webhook fails twice then succeeds, then the customer gets exactly one SMS, sent on the third attempt', async () => {
    const to = phone(1, 1);
    h.webhook.script(to, { status: 503 }, { status: 500 }, 'ok');
    const event = orderCreated('ord-flaky', { phone: to });
    await h.publish(event);

    const row = await waitFor('the SMS to be sent', async () => (await h.deliveries({ _id: `${event.eventId}:sms`, status: 'sent' }))[0]);
    expect(row).toMatchObject({ attempts: 3, recipient: to, orderId: 'ord-flaky', channel: 'sms' });
    expect(row.body).toContain('ord-flaky');
    const calls = h.webhook.to(to);
    expect(calls).toHaveLength(3);
    expect(new Set(calls.map((c) => c.idempotencyKey))).toEqual(new Set([`${event.eventId}:sms`]));
    expect(calls[0]!.authorization).toBe('Bearer sms-secret');
    // exponential: the second gap is at least the first retry's base
    expect(calls[2]!.at - calls[1]!.at).toBeGreaterThanOrEqual(150);
    // the push of the same event went through once, independently
    await waitFor('the push', () => h.webhook.to(pushTopic('ord-flaky')).length === 1);
    expect(await metric('medlives_notification_deliveries_total', { channel: 'sms', outcome: 'retried' })).toBeGreaterThanOrEqual(2);
    expect(h.webhook.duplicates().filter((id) => id.startsWith(event.eventId))).toEqual([`${event.eventId}:sms`]);
  });

  it('when the webhook always fails, then the event goes to the DLQ after 3 attempts with the last error', async () => {
    const to = phone(1, 2);
    h.webhook.script(to, { status: 500 });
    const event = orderCreated('ord-doomed', { phone: to });
    await h.publish(event);

    const row = await waitFor('the SMS to fail', async () => (await h.deliveries({ _id: `${event.eventId}:sms`, status: 'failed', deadLettered: true }))[0]);
    expect(row.attempts).toBe(3);
    expect(row.lastError).toMatch(/attempt 3\/3: webhook answered 500/);
    expect(h.webhook.to(to)).toHaveLength(3);
    const dlq = resolveTopicName(GROUP.dlq, h.topo.prefix);
    const dead = await waitFor('the dead letter', async () => {
      const all = await readWholeTopic(h.topo.kafka, dlq);
      return all.find((d) => header(d.message, NOTIFICATION_DLQ_HEADERS.deliveryId) === `${event.eventId}:sms`);
    });
    expect(JSON.parse(dead.message.value!.toString())).toMatchObject({ eventId: event.eventId, eventType: 'order.created' });
    expect(header(dead.message, NOTIFICATION_DLQ_HEADERS.channel)).toBe('sms');
    expect(header(dead.message, NOTIFICATION_DLQ_HEADERS.attempts)).toBe('3');
    expect(header(dead.message, DLQ_HEADERS.errorMessage)).toMatch(/attempt 3\/3: webhook answered 500/);
    expect(header(dead.message, DLQ_HEADERS.originalTopic)).toBe(resolveTopicName(GROUP.topics[0]!, h.topo.prefix));
    expect(header(dead.message, 'event-type')).toBe('order.created');
    expect(await metric('medlives_notification_deliveries_total', { channel: 'sms', outcome: 'failed' })).toBe(1);
    expect(await metric('medlives_consumer_dlq_total', {})).toBeGreaterThanOrEqual(1);
  });

  it('when the provider refuses permanently (400), then it is not retried and goes to the DLQ at once', async () => {
    const to = phone(1, 3);
    h.webhook.script(to, { status: 400 });
    const event = orderCreated('ord-refused', { phone: to });
    await h.publish(event);
    const row = await waitFor('the SMS to fail', async () => (await h.deliveries({ _id: `${event.eventId}:sms`, status: 'failed', deadLettered: true }))[0]);
    expect(row.attempts).toBe(1);
    expect(h.webhook.to(to)).toHaveLength(1);
  });

  it('when the order changes status, then the customer remembered from order.created is told, once per event', async () => {
    const to = phone(1, 4);
    const created = orderCreated('ord-status', { phone: to });
    await h.publish(created);
    await waitFor('the order SMS', () => h.webhook.to(to).length === 1);
    const paid = sampleEvent('status.changed', { orderId: 'ord-status' });
    await h.publish(paid, paid); // a duplicate publish must not notify twice
    await waitFor('the status SMS', () => h.webhook.to(to).length === 2);
    const rows = await h.deliveries({ eventId: paid.eventId });
    expect(rows.map((r) => r.channel).sort()).toEqual(['push', 'sms']);
    expect(rows.find((r) => r.channel === 'sms')!.body).toBe('pharma-001: your order ord-status is now paid.');
    await waitFor('both status deliveries', async () => (await h.deliveries({ eventId: paid.eventId, status: 'sent' })).length === 2);
    expect(h.webhook.to(to)).toHaveLength(2);
  });

  it('when the customer opted out of SMS, then no SMS is sent and the record says skipped (opted_out)', async () => {
    const to = phone(1, 99);
    const event = orderCreated('ord-optout', { phone: to });
    await h.publish(event);
    await waitFor('the push', () => h.webhook.to(pushTopic('ord-optout')).length === 1);
    const [sms] = await h.deliveries({ _id: `${event.eventId}:sms` });
    expect(sms).toMatchObject({ status: 'skipped', reason: 'opted_out' });
    expect(h.webhook.to(to)).toHaveLength(0);
    expect(await metric('medlives_notification_deliveries_total', { channel: 'sms', outcome: 'skipped' })).toBeGreaterThanOrEqual(1);
  });
});
