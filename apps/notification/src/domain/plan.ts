import type { Envelope } from '@medlives/events';
import { ALL_CHANNELS, type Channel, type TenantRoute, recipientKey } from '../config';
import { type NotifyingType, type Rendered, TEMPLATES, isNotifying, render } from './templates';

/** The customer of an order, remembered from order.created / order.updated (events after it carry only the id). */
export interface Contact {
  readonly name?: string;
  readonly phone?: string;
  readonly email?: string;
}

export interface PlanContext {
  /** The order's customer, when the event concerns an order. */
  readonly contact?: Contact | undefined;
  readonly routes: Readonly<Record<string, TenantRoute>>;
  /** `recipientKey`s that opted out. */
  readonly optOuts: ReadonlySet<string>;
  /** Channels with a provider (not `none`). */
  readonly enabled: ReadonlySet<Channel>;
}

/** One notification the event asks for on one channel: to send, or skipped with the reason. */
export interface Planned extends Rendered {
  readonly channel: Channel;
  readonly recipient: string | null;
  readonly orderId?: string;
  readonly patientId?: string;
  readonly skip?: 'opted_out' | 'no_recipient';
}

const money = (n: number) => n.toFixed(2);

/** The template variables of an event, plus whom it concerns. */
function variables(event: Envelope<NotifyingType>, contact: Contact | undefined): { vars: Record<string, string>; orderId?: string; patientId?: string } {
  const base = { tenant: event.tenantCode, name: contact?.name ?? 'customer' };
  const reason = (r: string | undefined) => (r ? ` Reason: ${r}.` : '');
  switch (event.eventType) {
    case 'order.created': {
      const d = (event as Envelope<'order.created'>).data;
      const itemLines = d.items.map((i) => `- ${i.quantity} × ${i.medication} (${money(i.unitPrice)})`).join('\n');
      return { orderId: d.orderId, vars: { ...base, name: d.customer.name, orderId: d.orderId, itemCount: String(d.items.length), total: money(d.totalPrice), itemLines } };
    }
    case 'status.changed': {
      const d = (event as Envelope<'status.changed'>).data;
      return { orderId: d.orderId, vars: { ...base, orderId: d.orderId, status: d.newStatus, reason: reason(d.reason) } };
    }
    case 'stock.reservation_failed': {
      const d = (event as Envelope<'stock.reservation_failed'>).data;
      const short = d.items.map((i) => `${i.productId} (${i.reason === 'unknown_product' ? 'not sold here' : `${i.available} of ${i.requested} in stock`})`);
      return { orderId: d.orderId, vars: { ...base, orderId: d.orderId, shortItems: short.join(', '), shortLines: short.map((s) => `- ${s}`).join('\n') } };
    }
    case 'stock.low': {
      const d = (event as Envelope<'stock.low'>).data;
      return { vars: { ...base, productId: d.productId, remaining: String(d.remaining), threshold: String(d.threshold) } };
    }
    case 'appointment.booked': {
      // The patient's contact (care-records keeps it sealed) is not a template variable.
      const { patient: _contact, ...d } = (event as Envelope<'appointment.booked'>).data;
      return { patientId: d.patientId, vars: { ...base, ...d, reason: d.reason } };
    }
    case 'appointment.cancelled': {
      const d = (event as Envelope<'appointment.cancelled'>).data;
      return { patientId: d.patientId, vars: { ...base, appointmentId: d.appointmentId, patientId: d.patientId, reason: reason(d.reason) } };
    }
    case 'appointment.reminder': {
      const d = (event as Envelope<'appointment.reminder'>).data;
      return { patientId: d.patientId, vars: { ...base, appointmentId: d.appointmentId, patientId: d.patientId, remindAt: d.remindAt } };
    }
    case 'prescription.created': {
      const { patient: _contact, ...d } = (event as Envelope<'prescription.created'>).data;
      return { patientId: d.patientId, vars: { ...base, ...d } };
    }
  }
}

/**
 * Order events reach the customer (phone, email, and the order's push topic); care events and
 * stock alerts name no reachable person, so they go to the tenant's configured route.
 */
function recipient(channel: Channel, event: Envelope<NotifyingType>, orderId: string | undefined, contact: Contact | undefined, routes: PlanContext['routes']): string | undefined {
  const customerFacing = orderId !== undefined;
  if (!customerFacing) return routes[event.tenantCode]?.[channel];
  if (channel === 'sms') return contact?.phone;
  if (channel === 'email') return contact?.email;
  return `orders/${event.tenantCode}/${orderId}`;
}

/** What an event asks for, per channel. Pure: the sink stores the result, the dispatcher sends it. */
export function planNotifications(event: Envelope, ctx: PlanContext): Planned[] {
  if (!isNotifying(event.eventType)) return [];
  const e = event as Envelope<NotifyingType>;
  const contact = contactOf(event) ?? ctx.contact;
  const { vars, orderId, patientId } = variables(e, contact);
  const only = e.eventType === 'appointment.reminder' ? (e as Envelope<'appointment.reminder'>).data.channel : undefined;
  const planned: Planned[] = [];
  for (const channel of ALL_CHANNELS) {
    const template = TEMPLATES[e.eventType][channel];
    if (!template || !ctx.enabled.has(channel) || (only && only !== channel)) continue;
    const to = recipient(channel, e, orderId, contact, ctx.routes);
    const ids = { ...(orderId ? { orderId } : {}), ...(patientId ? { patientId } : {}) };
    const rendered = render(template, vars);
    if (!to) planned.push({ channel, recipient: null, ...rendered, ...ids, skip: 'no_recipient' });
    else if (ctx.optOuts.has(recipientKey(channel, to))) planned.push({ channel, recipient: to, ...rendered, ...ids, skip: 'opted_out' });
    else planned.push({ channel, recipient: to, ...rendered, ...ids });
  }
  return planned;
}

/** The customer an order event tells us about, if any. */
export function contactOf(event: Envelope): Contact | undefined {
  if (event.eventType === 'order.created') return (event as Envelope<'order.created'>).data.customer;
  if (event.eventType === 'order.updated') return (event as Envelope<'order.updated'>).data.changes.customer;
  return undefined;
}

/** The order an event concerns, when its customer must be looked up. */
export function orderIdNeedingContact(event: Envelope): string | undefined {
  if (event.eventType === 'status.changed') return (event as Envelope<'status.changed'>).data.orderId;
  if (event.eventType === 'stock.reservation_failed') return (event as Envelope<'stock.reservation_failed'>).data.orderId;
  return undefined;
}
