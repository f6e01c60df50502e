import type { Logger } from 'pino';
import type { OutgoingMessage, Provider, SendReceipt } from './provider';

/** `npm run dev`: the notification is a log line. */
export function consoleProvider(logger: Logger): Provider {
  return {
    kind: 'console',
    async send(message: OutgoingMessage): Promise<SendReceipt> {
      logger.info({ deliveryId: message.deliveryId, channel: message.channel, to: message.recipient, subject: message.subject, body: message.body }, 'notification (console provider)');
      return {};
    },
  };
}
