import { createLogger, loadConfig, runService } from '@reportline/platform';
import { startLockService } from './app.ts';
import { lockServiceConfig } from './config.ts';

const logger = createLogger('lock-service', process.env.LOG_LEVEL);
await runService(logger, async () => startLockService(loadConfig(lockServiceConfig), { logger }));
