import { sampleEvent } from '@medlives/testkit';
import { generateKey } from '@medlives/crypto';
import { ALL_CHANNELS, NotificationEnv, parseOptOuts, recipientKey } from '../src/config';
import { planNotifications } from '../src/domain/plan';
import { TEMPLATES } from '../src/domain/templates';

const ctx = (over: Partial<Parameters<typeof planNotifications>[1]> = {}) => ({
  routes: { 'clinic-1': { email: 'desk@clinic.example', sms: '+49 30 1' } },
  optOuts: new Set<string>(),
  enabled: new Set(ALL_CHANNELS),
  ...over,
});

describe('planning notifications', () => {
  it('when an order is created, then the customer gets SMS, email and push with the rendered templates', () => {
    const e = sampleEvent('order.created', { orderId: 'o-1' });
    e.data.customer.email = 'ada@example.org';
    const planned = planNotifications(e, ctx());
    expect(planned.map((p) => [p.channel, p.recipient])).toEqual([
      ['sms', '+44 20 7946 0000'],
      ['email', 'ada@example.org'],
      ['push', 'orders/pharma-001/o-1'],
    ]);
    expect(planned[0]!.body).toBe('pharma-001: order o-1 received (2 item(s), total 12.00). We will tell you when it ships.');
    expect(planned.every((p) => !p.body.includes('{{'))).toBe(true);
  });

  it('when a recipient opted out (however the number is spelled), then that channel is skipped as opted_out', () => {
    const e = sampleEvent('order.created');
    const planned = planNotifications(e, ctx({ optOuts: parseOptOuts('sms:+442079460000').keys }));
    expect(planned.find((p) => p.channel === 'sms')).toMatchObject({ skip: 'opted_out' });
    expect(planned.find((p) => p.channel === 'email')).toMatchObject({ skip: 'no_recipient' });
  });

  it('when a care event arrives, then it goes to the tenant route; a reminder only on its channel', () => {
    const booked = planNotifications(sampleEvent('appointment.booked', { tenantCode: 'clinic-1' }), ctx());
    expect(booked.map((p) => [p.channel, p.recipient, p.patientId])).toEqual([
      ['sms', '+49 30 1', 'pat-1'],
      ['email', 'desk@clinic.example', 'pat-1'],
      ['push', null, 'pat-1'],
    ]);
    const reminder = planNotifications(sampleEvent('appointment.reminder', { tenantCode: 'clinic-1' }), ctx());
    expect(reminder.map((p) => p.channel)).toEqual(['sms']);
  });

  it('when a status changes without a known customer, then SMS and email are skipped as no_recipient; other types plan nothing', () => {
    const planned = planNotifications(sampleEvent('status.changed'), ctx());
    expect(planned.filter((p) => p.skip === 'no_recipient').map((p) => p.channel)).toEqual(['sms', 'email']);
    expect(planNotifications(sampleEvent('order.deleted'), ctx())).toEqual([]);
    expect(planNotifications(sampleEvent('health_record.created'), ctx())).toEqual([]);
  });

  it('renders every template of every type without leftover placeholders', () => {
    const types = Object.keys(TEMPLATES) as Array<keyof typeof TEMPLATES>;
    for (const type of types) {
      const e = sampleEvent(type, { tenantCode: 'clinic-1' });
      for (const p of planNotifications(e, ctx({ contact: { name: 'Ada', phone: '+1 555 0100', email: 'a@b.example' } }))) expect(p.body).not.toMatch(/\{\{|\}\}/);
    }
  });
});

describe('notification config', () => {
  const keys = { ENCRYPTION_KEYS: `t:${generateKey()}` };
  const base = { NOTIFY_SMS_PROVIDER: 'webhook', ...keys };
  it('when keys are wrong, then every bad key is reported', () => {
    const r = NotificationEnv.safeParse({ ...base, NOTIFY_OPT_OUTS: 'fax:123', SMTP_USER: 'u' });
    expect(r.error!.issues.map((i) => i.path.join('.')).sort()).toEqual(['NOTIFY_OPT_OUTS', 'NOTIFY_SMS_WEBHOOK_URL', 'SMTP_PASSWORD']);
    const routes = NotificationEnv.safeParse({ NOTIFY_TENANT_ROUTES: '{"x":{"email":"nope"}}', ...keys });
    expect(routes.error!.issues.map((i) => i.path.join('.'))).toEqual(['NOTIFY_TENANT_ROUTES']);
    expect(NotificationEnv.parse(keys).NOTIFY_TENANT_ROUTES).toEqual({});
  });
  it('when ENCRYPTION_KEYS is missing or malformed, then the config names it (the store seals recipients and texts)', () => {
    expect(NotificationEnv.safeParse({}).error!.issues.map((i) => i.path.join('.'))).toEqual(['ENCRYPTION_KEYS']);
    expect(NotificationEnv.safeParse({ ENCRYPTION_KEYS: 'k1:short' }).error!.issues.map((i) => i.path.join('.'))).toContain('ENCRYPTION_KEYS');
  });
  it('normalises recipients for opt-outs', () => {
    expect(recipientKey('sms', '+44 (20) 7946-0000')).toBe('sms:+442079460000');
    expect(recipientKey('email', 'Ada@Example.org')).toBe('email:ada@example.org');
  });
});
