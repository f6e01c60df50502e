/**
 * Issue 8 §4 acceptance, slow providers: a provider call that hangs for 30 s holds one provider
 * slot, not the Kafka partition — later orders on the same partition are notified within a
 * few seconds — and a stalled SMS provider does not hold up the push channel.
 */
import { waitFor } from '@medlives/testkit';
import { type Harness, harness } from './support/harness';
import { orderCreated, phone, pushTopic } from './support/events';
import { WebhookStub } from './support/webhook-stub';

/** Generous for a shared 2-core CI box; typically well under 2 s. */
const FEW_SECONDS = 5_000;

describe('a stalled provider', () => {
  let h: Harness;
  let push: WebhookStub;
  beforeAll(async () => {
    h = await harness('nt-stall');
    push = new WebhookStub();
    await push.start();
    // the provider may take 40 s before we call it failed: the stalled call really is in flight for 30 s
    await h.startApp({ NOTIFY_SEND_TIMEOUT_MS: '40000', NOTIFY_PUSH_WEBHOOK_URL: push.url });
  });
  afterAll(async () => {
    await h?.cleanup();
    await push?.stop();
  });

  it('when the provider stalls 30 s on one order, then other orders of the same partition are notified within a few seconds', async () => {
    const stalled = phone(3, 0);
    h.webhook.script(stalled, { stallMs: 30_000 });
    await h.publish(orderCreated('ord-stalled', { phone: stalled }));
    await waitFor('the stalled call to be in flight', () => h.webhook.to(stalled).length === 1);

    // same tenant = same key = same partition as the stalled order
    const others = Array.from({ length: 10 }, (_, i) => orderCreated(`ord-next-${i}`, { phone: phone(3, i + 1) }));
    const published = Date.now();
    await h.publish(...others);
    await waitFor('every other order’s SMS', () => others.every((_, i) => h.webhook.to(phone(3, i + 1)).length === 1), { timeoutMs: 10_000 });
    const slowest = Math.max(...others.map((_, i) => h.webhook.to(phone(3, i + 1))[0]!.at)) - published;
    expect(slowest).toBeLessThan(FEW_SECONDS);
    // the stalled order is still owed, and was not sent a second time meanwhile
    const [row] = await h.deliveries({ orderId: 'ord-stalled', channel: 'sms' });
    expect(row).toMatchObject({ status: 'pending', attempts: 0 });
    expect(h.webhook.to(stalled)).toHaveLength(1);
  });

  it('when the SMS provider stalls on every call, then push notifications of new orders still arrive within a few seconds', async () => {
    h.webhook.fallback = { stallMs: 30_000 };
    const orders = Array.from({ length: 10 }, (_, i) => orderCreated(`ord-push-${i}`, { phone: phone(4, i) }));
    const published = Date.now();
    await h.publish(...orders);
    await waitFor('every push', () => orders.every((o) => push.to(pushTopic(o.data.orderId)).length === 1), { timeoutMs: 10_000 });
    const slowest = Math.max(...orders.map((o) => push.to(pushTopic(o.data.orderId))[0]!.at)) - published;
    expect(slowest).toBeLessThan(FEW_SECONDS);
    // SMS calls are hanging, not lost: each reaches the provider once (they are dispatched beside the
    // pushes, so the last may arrive a moment after the last push).
    await waitFor('every SMS call hanging at the provider', () => orders.every((_, i) => h.webhook.to(phone(4, i)).length === 1), { timeoutMs: 2_000 });
  });
});
