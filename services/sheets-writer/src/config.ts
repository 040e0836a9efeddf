import { baseConfig } from '@reportline/platform';
import { z } from 'zod';

export const sheetsWriterConfig = baseConfig.extend({
  SHEETS_API_URL: z.url().default('https://sheets.googleapis.com/'),
  /** Path of a Google service-account JSON key; without one, requests carry no credentials (only for the fake). */
  GOOGLE_APPLICATION_CREDENTIALS: z.string().optional(),
  SHEETS_WRITES_PER_MINUTE_PER_USER: z.coerce.number().int().min(1).default(60),
  SHEETS_WRITES_PER_MINUTE_PER_PROJECT: z.coerce.number().int().min(1).default(300),
  SHEETS_TIMEOUT_MS: z.coerce.number().int().min(1_000).default(200_000),
});
export type SheetsWriterConfig = z.infer<typeof sheetsWriterConfig>;
