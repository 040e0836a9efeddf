import { serve } from '@reportline/platform';
import { startLockService } from './app.ts';
import { lockServiceConfig } from './config.ts';

await serve('lock-service', lockServiceConfig, startLockService);
