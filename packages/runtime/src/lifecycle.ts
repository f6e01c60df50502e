import type { Logger } from 'pino';

export interface Stoppable {
  stop(reason?: string): Promise<void>;
}

/**
 * For main.ts only: SIGTERM/SIGINT stop the app within `timeoutMs` (shorter than the pod's grace
 * period) and exit 0; a stop that hangs or fails exits 1 so Kubernetes sees it.
 */
export function installSignalHandlers(app: Stoppable, logger: Logger, timeoutMs: number): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const timer = setTimeout(() => {
      logger.error({ timeoutMs }, 'shutdown timed out');
      process.exit(1);
    }, timeoutMs);
    timer.unref();
    app.stop(signal).then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

/** Runs `start` and exits non-zero with every bad config key or the startup error. */
export async function runMain(name: string, start: () => Promise<void>): Promise<void> {
  try {
    await start();
  } catch (error) {
    process.stderr.write(`${name}: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
}
