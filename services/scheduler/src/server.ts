import { createLogger, loadConfig, runService } from '@reportline/platform';
import { startScheduler } from './app.ts';
import { schedulerConfig } from './config.ts';

const logger = createLogger('scheduler', process.env.LOG_LEVEL);
await runService(logger, async () => startScheduler(loadConfig(schedulerConfig), { logger }));
