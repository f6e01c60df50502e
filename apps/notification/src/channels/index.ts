import type { Logger } from 'pino';
import type { Channel, NotificationConfig } from '../config';
import { consoleProvider } from './console';
import type { Provider } from './provider';
import { smtpProvider } from './smtp';
import { webhookProvider } from './webhook';

export * from './provider';

/** The configured provider of each enabled channel (`none` leaves the channel out). */
export function createProviders(config: NotificationConfig, logger: Logger): Map<Channel, Provider> {
  const providers = new Map<Channel, Provider>();
  const log = logger.child({ provider: 'console' });
  const webhookOrConsole = (kind: 'webhook' | 'console' | 'none', url: string | undefined, token: string | undefined) =>
    kind === 'webhook' ? webhookProvider({ url: url!, token }) : kind === 'console' ? consoleProvider(log) : undefined;
  const sms = webhookOrConsole(config.NOTIFY_SMS_PROVIDER, config.NOTIFY_SMS_WEBHOOK_URL, config.NOTIFY_SMS_WEBHOOK_TOKEN);
  const push = webhookOrConsole(config.NOTIFY_PUSH_PROVIDER, config.NOTIFY_PUSH_WEBHOOK_URL, config.NOTIFY_PUSH_WEBHOOK_TOKEN);
  const email =
    config.NOTIFY_EMAIL_PROVIDER === 'smtp'
      ? smtpProvider({
          host: config.SMTP_HOST,
          port: config.SMTP_PORT,
          secure: config.SMTP_SECURE === 'true',
          user: config.SMTP_USER,
          password: config.SMTP_PASSWORD,
          from: config.NOTIFY_EMAIL_FROM,
          maxConnections: Math.min(10, config.NOTIFY_CONCURRENCY),
          timeoutMs: config.NOTIFY_SEND_TIMEOUT_MS,
        })
      : config.NOTIFY_EMAIL_PROVIDER === 'console'
        ? consoleProvider(log)
        : undefined;
  if (sms) providers.set('sms', sms);
  if (email) providers.set('email', email);
  if (push) providers.set('push', push);
  return providers;
}
