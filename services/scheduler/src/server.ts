import { serve } from '@reportline/platform';
import { startScheduler } from './app.ts';
import { schedulerConfig } from './config.ts';

await serve('scheduler', schedulerConfig, startScheduler);
