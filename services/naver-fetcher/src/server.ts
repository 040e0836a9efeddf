import { createLogger, loadConfig, runService } from '@reportline/platform';
import { startFetcher } from './app.ts';
import { fetcherConfig } from './config.ts';

const logger = createLogger('naver-fetcher', process.env.LOG_LEVEL);
await runService(logger, async () => startFetcher(loadConfig(fetcherConfig), { logger }));
