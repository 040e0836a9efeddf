import { createLogger, loadConfig, runService } from '@reportline/platform';
import { startSheetsWriter } from './app.ts';
import { sheetsWriterConfig } from './config.ts';

const logger = createLogger('sheets-writer', process.env.LOG_LEVEL);
await runService(logger, async () => startSheetsWriter(loadConfig(sheetsWriterConfig), { logger }));
