import type { Channel } from '../config';

/** What a channel sends: SMS and push use `body` (push also `subject` as its title), email both. */
export interface Rendered {
  readonly subject: string;
  readonly body: string;
}

interface Template {
  readonly subject: string;
  readonly body: string;
}

/** The event types this group notifies on (issue 8 §4); a type missing here is consumed silently. */
export type NotifyingType =
  | 'order.created'
  | 'status.changed'
  | 'stock.reservation_failed'
  | 'stock.low'
  | 'appointment.booked'
  | 'appointment.cancelled'
  | 'appointment.reminder'
  | 'prescription.created';

/**
 * One template per event type and channel; `{{name}}` is replaced by the event's variables (see
 * plan.ts). A channel without a template sends nothing for that type. Kept as data so a copy
 * change is one line and a test can render every pair.
 */
export const TEMPLATES: Readonly<Record<NotifyingType, Partial<Record<Channel, Template>>>> = {
  'order.created': {
    sms: { subject: '', body: '{{tenant}}: order {{orderId}} received ({{itemCount}} item(s), total {{total}}). We will tell you when it ships.' },
    email: {
      subject: 'Your order {{orderId}} was received',
      body: 'Hello {{name}},\n\nthank you for your order {{orderId}} at {{tenant}}:\n{{itemLines}}\nTotal: {{total}}\n\nWe will let you know when it is on its way.\n',
    },
    push: { subject: 'Order received', body: 'Order {{orderId}}: {{itemCount}} item(s), total {{total}}' },
  },
  'status.changed': {
    sms: { subject: '', body: '{{tenant}}: your order {{orderId}} is now {{status}}.' },
    email: { subject: 'Order {{orderId}}: {{status}}', body: 'Hello {{name}},\n\nyour order {{orderId}} at {{tenant}} is now {{status}}.{{reason}}\n' },
    push: { subject: 'Order {{status}}', body: 'Order {{orderId}} is now {{status}}' },
  },
  'stock.reservation_failed': {
    sms: { subject: '', body: '{{tenant}}: order {{orderId}} cannot be filled yet: {{shortItems}}. We will contact you.' },
    email: {
      subject: 'Order {{orderId}}: some items are not available',
      body: 'Hello {{name}},\n\nwe cannot fill your order {{orderId}} at {{tenant}} yet:\n{{shortLines}}\nWe will contact you about alternatives.\n',
    },
    push: { subject: 'Items not available', body: 'Order {{orderId}}: {{shortItems}}' },
  },
  'stock.low': {
    sms: { subject: '', body: 'Stock low at {{tenant}}: {{productId}} has {{remaining}} left (threshold {{threshold}}).' },
    email: { subject: 'Stock low: {{productId}}', body: 'Product {{productId}} at {{tenant}} has {{remaining}} left, under its threshold of {{threshold}}.\n' },
  },
  'appointment.booked': {
    sms: { subject: '', body: 'Appointment {{appointmentId}} booked for patient {{patientId}}: {{date}} {{time}} ({{visitType}}).' },
    email: { subject: 'Appointment booked: {{date}} {{time}}', body: 'Appointment {{appointmentId}} for patient {{patientId}} is booked on {{date}} at {{time}} ({{visitType}}) with {{doctorId}}.\nReason: {{reason}}\n' },
    push: { subject: 'Appointment booked', body: '{{date}} {{time}} with {{doctorId}}' },
  },
  'appointment.cancelled': {
    sms: { subject: '', body: 'Appointment {{appointmentId}} of patient {{patientId}} was cancelled.{{reason}}' },
    email: { subject: 'Appointment {{appointmentId}} cancelled', body: 'Appointment {{appointmentId}} of patient {{patientId}} was cancelled.{{reason}}\n' },
    push: { subject: 'Appointment cancelled', body: 'Appointment {{appointmentId}} was cancelled' },
  },
  'appointment.reminder': {
    sms: { subject: '', body: 'Reminder: appointment {{appointmentId}} of patient {{patientId}} ({{remindAt}}).' },
    email: { subject: 'Reminder: appointment {{appointmentId}}', body: 'This is a reminder of appointment {{appointmentId}} of patient {{patientId}} ({{remindAt}}).\n' },
    push: { subject: 'Appointment reminder', body: 'Appointment {{appointmentId}} ({{remindAt}})' },
  },
  'prescription.created': {
    sms: { subject: '', body: 'New prescription {{prescriptionId}} for patient {{patientId}}: {{medication}} {{dosage}}, {{frequency}}.' },
    email: {
      subject: 'New prescription: {{medication}}',
      body: 'Prescription {{prescriptionId}} for patient {{patientId}}:\n{{medication}} {{dosage}}, {{frequency}}, {{startDate}} to {{endDate}}.\n',
    },
    push: { subject: 'New prescription', body: '{{medication}} {{dosage}}, {{frequency}}' },
  },
};

export function isNotifying(type: string): type is NotifyingType {
  return Object.prototype.hasOwnProperty.call(TEMPLATES, type);
}

/** Unknown placeholders render empty rather than leaking `{{...}}` to a customer. */
export function render(template: Template, vars: Readonly<Record<string, string>>): Rendered {
  const fill = (text: string) => text.replace(/\{\{(\w+)\}\}/g, (_, name: string) => vars[name] ?? '');
  return { subject: fill(template.subject), body: fill(template.body) };
}
