import { serve } from '@reportline/platform';
import { startSheetsWriter } from './app.ts';
import { sheetsWriterConfig } from './config.ts';

await serve('sheets-writer', sheetsWriterConfig, startSheetsWriter);
