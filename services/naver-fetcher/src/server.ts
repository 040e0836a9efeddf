import { serve } from '@reportline/platform';
import { startFetcher } from './app.ts';
import { fetcherConfig } from './config.ts';

await serve('naver-fetcher', fetcherConfig, startFetcher);
