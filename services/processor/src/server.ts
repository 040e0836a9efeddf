import { serve } from '@reportline/platform';
import { startProcessor } from './app.ts';
import { processorConfig } from './config.ts';

await serve('processor', processorConfig, startProcessor);
