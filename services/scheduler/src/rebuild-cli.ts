import { baseConfig, createLogger, createPool, loadConfig } from '@reportline/platform';
import { z } from 'zod';
import { rebuildImportViews } from './rebuild.ts';

/**
 * Rebuilds the scheduler's import read model from the topics: `node services/scheduler/src/rebuild-cli.ts`, with
 * KAFKA_BROKERS, DATABASE_URL, TOPIC_PREFIX and LOG_LEVEL as the scheduler reads them, and REBUILD_TIMEOUT_MS.
 */
const config = loadConfig(
  baseConfig.pick({ KAFKA_BROKERS: true, DATABASE_URL: true, TOPIC_PREFIX: true, LOG_LEVEL: true }).extend({
    REBUILD_TIMEOUT_MS: z.coerce
      .number()
      .int()
      .min(1_000)
      .default(10 * 60_000),
  }),
);
const logger = createLogger('scheduler-rebuild', config.LOG_LEVEL);
const pool = createPool(config.DATABASE_URL);
try {
  const report = await rebuildImportViews({
    pool,
    brokers: config.KAFKA_BROKERS,
    topicPrefix: config.TOPIC_PREFIX,
    logger,
    timeoutMs: config.REBUILD_TIMEOUT_MS,
  });
  logger.info(report, 'rebuild done');
} catch (err) {
  logger.error({ err }, 'rebuild failed');
  process.exitCode = 1;
} finally {
  await pool.end();
}
