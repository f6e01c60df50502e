/**
 * Issue 8 §4 acceptance, email: nodemailer over real SMTP (smtp-server started here, with a
 * login), the rendered template in the received mail, and care events routed to the tenant's
 * fallback address from configuration.
 */
import { sampleEvent, waitFor } from '@medlives/testkit';
import type { App } from '../src/app';
import { type Harness, harness } from './support/harness';
import { orderCreated, phone } from './support/events';
import { type ReceivedMail, startSmtpSink } from './support/smtp-sink';

describe('email over SMTP', () => {
  let h: Harness;
  let app: App;
  let smtp: Awaited<ReturnType<typeof startSmtpSink>>;
  beforeAll(async () => {
    h = await harness('nt-email');
    smtp = await startSmtpSink({ user: 'medlives', password: 'smtp-secret' });
    app = await h.startApp({
      NOTIFY_EMAIL_PROVIDER: 'smtp',
      SMTP_HOST: '127.0.0.1',
      SMTP_PORT: String(smtp.port),
      SMTP_USER: 'medlives',
      SMTP_PASSWORD: 'smtp-secret',
      NOTIFY_EMAIL_FROM: 'Pharmacy <orders@pharma.example>',
      NOTIFY_TENANT_ROUTES: JSON.stringify({ 'clinic-7': { email: 'desk@clinic7.example', sms: '+49 30 1234567' } }),
    });
  });
  afterAll(async () => {
    await h?.cleanup();
    await smtp?.stop();
  });

  const mailTo = (address: string) => waitFor(`a mail to ${address}`, () => smtp.mails.find((m) => m.to.includes(address)) ?? false);

  it('when an order with a customer email is created, then the rendered email arrives at the SMTP server, once', async () => {
    const event = orderCreated('ord-mail', { phone: phone(2, 1), email: 'ada@example.org', name: 'Ada Lovelace' });
    await h.publish(event);
    const mail: ReceivedMail = await mailTo('ada@example.org');
    expect(mail.user).toBe('medlives');
    expect(mail.from).toBe('orders@pharma.example');
    expect(mail.subject).toBe('Your order ord-mail was received');
    expect(mail.text).toContain('Hello Ada Lovelace,');
    expect(mail.text).toContain('thank you for your order ord-mail at pharma-001:');
    expect(mail.text).toContain('- 2 × Amoxicillin 500mg (4.50)');
    expect(mail.text).toContain('Total: 12.00');
    expect(mail.messageId).toBe(`<${event.eventId}:email@medlives>`);
    const [row] = await waitFor('the email record', async () => {
      const rows = await h.deliveries({ _id: `${event.eventId}:email`, status: 'sent' });
      return rows.length ? rows : undefined;
    });
    expect(row).toMatchObject({ recipient: 'ada@example.org', attempts: 1, orderId: 'ord-mail' });
    expect(smtp.mails.filter((m) => m.to.includes('ada@example.org'))).toHaveLength(1);
  });

  it('when an appointment is booked, then the tenant route from configuration gets it by email and SMS', async () => {
    const event = sampleEvent('appointment.booked', { tenantCode: 'clinic-7' });
    await h.publish(event);
    const mail = await mailTo('desk@clinic7.example');
    expect(mail.subject).toBe(`Appointment booked: ${event.data.date} ${event.data.time}`);
    expect(mail.text).toContain(`Appointment apt-1 for patient pat-1 is booked on ${event.data.date} at 09:30 (in_person) with doc-1.`);
    await waitFor('the SMS', () => h.webhook.to('+49 30 1234567').length === 1);
    // the provider answers before the outcome is recorded: wait for the records to settle
    const rows = await waitFor('settled records', async () => {
      const r = await h.deliveries({ eventId: event.eventId });
      return r.every((d) => d.status !== 'pending') ? r : undefined;
    });
    expect(rows.map((r) => [r.channel, r.status, r.patientId]).sort()).toEqual([
      ['email', 'sent', 'pat-1'],
      ['push', 'skipped', 'pat-1'],
      ['sms', 'sent', 'pat-1'],
    ]);
    expect(rows.find((r) => r.channel === 'push')!.reason).toBe('no_recipient');
  });

  it('when a tenant has no route, then a care event is recorded as skipped (no_recipient) and nothing is sent', async () => {
    const event = sampleEvent('prescription.created', { tenantCode: 'clinic-unrouted' });
    await h.publish(event);
    const rows = await waitFor('the records', async () => {
      const r = await h.deliveries({ eventId: event.eventId });
      return r.length === 3 ? r : undefined;
    });
    expect(rows.every((r) => r.status === 'skipped' && r.reason === 'no_recipient')).toBe(true);
    const skipped = await app.registry.getSingleMetric('medlives_notification_deliveries_total')?.get();
    expect(skipped?.values.filter((v) => v.labels.outcome === 'skipped').reduce((n, v) => n + v.value, 0)).toBeGreaterThanOrEqual(4);
    expect(smtp.mails.filter((m) => m.subject.includes('prescription'))).toHaveLength(0);
  });
});
