import { type OutgoingMessage, type Provider, type SendReceipt, providerError, retriableStatus } from './provider';

export interface WebhookOptions {
  readonly url: string;
  /** Sent as `Authorization: Bearer …`; from the environment only. */
  readonly token?: string | undefined;
}

/**
 * A generic JSON-over-HTTP provider (SMS gateways and push services alike): POST the message,
 * 2xx means accepted. The delivery id goes out as `Idempotency-Key`, so a retry after a timeout —
 * when the first call may have arrived — is deduplicated by a provider that honours it.
 */
export function webhookProvider(options: WebhookOptions): Provider {
  return {
    kind: 'webhook',
    async send(message: OutgoingMessage, signal: AbortSignal): Promise<SendReceipt> {
      const context = { url: options.url, deliveryId: message.deliveryId };
      let response: Response;
      try {
        response = await fetch(options.url, {
          method: 'POST',
          signal,
          headers: {
            'content-type': 'application/json',
            'idempotency-key': message.deliveryId,
            ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
          },
          body: JSON.stringify({
            id: message.deliveryId,
            channel: message.channel,
            to: message.recipient,
            title: message.subject || undefined,
            body: message.body,
            eventId: message.eventId,
            eventType: message.eventType,
            tenantCode: message.tenantCode,
          }),
        });
      } catch (error) {
        const why = signal.aborted ? 'timed out' : `failed: ${(error as Error).message}`;
        throw providerError(`webhook ${why}`, true, context, error);
      }
      const text = await response.text().catch(() => '');
      if (!response.ok) throw providerError(`webhook answered ${response.status}: ${text.slice(0, 200)}`, retriableStatus(response.status), { ...context, status: response.status });
      return receipt(text);
    },
  };
}

function receipt(text: string): SendReceipt {
  try {
    const id = (JSON.parse(text) as { id?: unknown }).id;
    return typeof id === 'string' ? { providerMessageId: id } : {};
  } catch {
    return {};
  }
}
