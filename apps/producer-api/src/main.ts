import { installSignalHandlers, createLogger, runMain } from '@medlives/runtime';
import { createApp } from './app';
import { loadConfig } from './config';

void runMain('producer-api', async () => {
  const config = loadConfig(process.env);
  const logger = createLogger('producer-api', config.LOG_LEVEL);
  const app = createApp(config, { logger });
  installSignalHandlers(app, logger, config.SHUTDOWN_TIMEOUT_MS);
  await app.start();
});
