import type { Logger } from './log.ts';

export interface Running {
  close(): Promise<void>;
}

/**
 * Runs a service until SIGTERM/SIGINT, then closes it gracefully. Start-up failures (bad config, unreachable
 * dependency) exit with code 1 and one clear log line; a supervisor restarts with backoff, so nothing spins.
 */
export async function runService(logger: Logger, start: () => Promise<Running>, shutdownTimeoutMs = 15_000) {
  let running: Running;
  try {
    running = await start();
  } catch (err) {
    logger.fatal({ err }, 'failed to start');
    process.exitCode = 1;
    return;
  }
  logger.info('started');
  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    logger.info({ signal }, 'shutting down');
    const timer = setTimeout(() => {
      logger.error('graceful shutdown timed out; exiting');
      process.exit(1);
    }, shutdownTimeoutMs);
    timer.unref();
    try {
      await running.close();
      logger.info('stopped');
    } catch (err) {
      logger.error({ err }, 'error during shutdown');
      process.exitCode = 1;
    }
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.on('unhandledRejection', (err) => logger.error({ err }, 'unhandled rejection'));
}
