import type { Envelope } from '@medlives/events';
import { sampleEvent } from '@medlives/testkit';

/** An order.created whose customer has its own phone (the webhook stub scripts per recipient). */
export function orderCreated(orderId: string, customer: { phone: string; email?: string; name?: string }, tenantCode = 'pharma-001'): Envelope<'order.created'> {
  const e = sampleEvent('order.created', { tenantCode, orderId });
  e.data.customer = { name: customer.name ?? 'Ada Lovelace', phone: customer.phone, ...(customer.email ? { email: customer.email } : {}) };
  return e;
}

/** A distinct, valid phone number per test and index. */
export function phone(seed: number, i: number): string {
  return `+49 ${String(seed).padStart(3, '0')} ${String(i).padStart(6, '0')}`;
}

export const pushTopic = (orderId: string, tenantCode = 'pharma-001') => `orders/${tenantCode}/${orderId}`;
