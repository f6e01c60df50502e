import { createLogger, installSignalHandlers, parseConfig, runMain } from '@medlives/runtime';
import { createApp } from './app';
import { OrderPersistenceEnv } from './config';

void runMain('order-persistence', async () => {
  const config = parseConfig(OrderPersistenceEnv);
  const logger = createLogger('order-persistence', config.LOG_LEVEL);
  const app = createApp(config, {
    logger,
    onFatal: (error) => {
      logger.fatal({ err: error }, 'consumer crashed and will not restart; exiting');
      process.exit(1);
    },
  });
  installSignalHandlers(app, logger, config.SHUTDOWN_TIMEOUT_MS);
  await app.start();
});
