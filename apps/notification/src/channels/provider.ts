import { AppError } from '@medlives/errors';
import type { Channel } from '../config';

/** One notification on its way to a provider. */
export interface OutgoingMessage {
  /** `<eventId>:<channel>`: the delivery record's id, sent as the idempotency key. */
  readonly deliveryId: string;
  readonly channel: Channel;
  readonly recipient: string;
  readonly subject: string;
  readonly body: string;
  readonly eventId: string;
  readonly eventType: string;
  readonly tenantCode: string;
}

export interface SendReceipt {
  /** The provider's id for the message, when it returns one. */
  readonly providerMessageId?: string;
}

/**
 * A channel's way out (SMS, email, push share it). `send` resolves when the provider accepted the
 * message, or throws an AppError whose `retriable` says whether another attempt can help; it
 * must give up when `signal` aborts (the dispatcher's per-call timeout).
 */
export interface Provider {
  readonly kind: string;
  send(message: OutgoingMessage, signal: AbortSignal): Promise<SendReceipt>;
  close?(): Promise<void>;
}

/** Provider faults carry no dedicated code in the closed union: INTERNAL, with `retriable` deciding. */
export function providerError(message: string, retriable: boolean, context: Record<string, unknown> = {}, cause?: unknown): AppError {
  return new AppError('INTERNAL', message, { retriable, context: { ...context, provider: true }, ...(cause === undefined ? {} : { cause }) });
}

/** 408, 429 and 5xx can succeed on another try; any other 4xx will not. */
export function retriableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}
