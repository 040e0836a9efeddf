import { createLogger, loadConfig, runService } from '@reportline/platform';
import { startProcessor } from './app.ts';
import { processorConfig } from './config.ts';

const logger = createLogger('processor', process.env.LOG_LEVEL);
await runService(logger, async () => startProcessor(loadConfig(processorConfig), { logger }));
