import nodemailer from 'nodemailer';
import { AppError } from '@medlives/errors';
import { type OutgoingMessage, type Provider, type SendReceipt, providerError } from './provider';

export interface SmtpOptions {
  readonly host: string;
  readonly port: number;
  readonly secure: boolean;
  readonly user?: string | undefined;
  /** From the environment only. */
  readonly password?: string | undefined;
  readonly from: string;
  /** Pooled SMTP connections. */
  readonly maxConnections: number;
  readonly timeoutMs: number;
}

/**
 * Email over SMTP with nodemailer (pooled connections). SMTP has no idempotency key; the
 * delivery id becomes the Message-ID, which lets receiving systems drop a duplicate.
 */
export function smtpProvider(options: SmtpOptions): Provider {
  const transport = nodemailer.createTransport({
    host: options.host,
    port: options.port,
    secure: options.secure,
    pool: true,
    maxConnections: options.maxConnections,
    connectionTimeout: options.timeoutMs,
    greetingTimeout: options.timeoutMs,
    socketTimeout: options.timeoutMs,
    ...(options.user ? { auth: { user: options.user, pass: options.password ?? '' } } : {}),
  });
  return {
    kind: 'smtp',
    async send(message: OutgoingMessage, signal: AbortSignal): Promise<SendReceipt> {
      const context = { host: options.host, deliveryId: message.deliveryId };
      const aborted = new Promise<never>((_, reject) => {
        signal.addEventListener('abort', () => reject(providerError('smtp timed out', true, context)), { once: true });
      });
      try {
        const info = await Promise.race([
          transport.sendMail({
            from: options.from,
            to: message.recipient,
            subject: message.subject,
            text: message.body,
            messageId: `<${message.deliveryId}@medlives>`,
            headers: { 'X-MedLives-Event': message.eventId },
          }),
          aborted,
        ]);
        return { providerMessageId: info.messageId };
      } catch (error) {
        if (AppError.is(error)) throw error;
        // 5xx replies are permanent (bad address, rejected); 4xx and connection faults are transient.
        const code = (error as { responseCode?: number }).responseCode;
        throw providerError(`smtp failed: ${(error as Error).message}`, !(code && code >= 500), { ...context, responseCode: code }, error);
      }
    },
    async close() {
      transport.close();
    },
  };
}
