import { baseConfig } from '@reportline/platform';
import { z } from 'zod';

export const sheetsWriterConfig = baseConfig.extend({
  SHEETS_API_URL: z.url().default('https://sheets.googleapis.com/'),
  /** Path of a Google service-account JSON key; without one, requests carry no credentials (only for the fake). */
  GOOGLE_APPLICATION_CREDENTIALS: z.string().optional(),
  SHEETS_WRITES_PER_MINUTE_PER_USER: z.coerce.number().int().min(1).default(60),
  SHEETS_WRITES_PER_MINUTE_PER_PROJECT: z.coerce.number().int().min(1).default(300),
  SHEETS_TIMEOUT_MS: z.coerce.number().int().min(1_000).default(200_000),
  /**
   * Days of history a tab keeps, ending at each import's newest date; older rows are removed. Unset keeps every row
   * older than an import's first date (until the scheduler passes each connection's history length).
   */
  SHEETS_HISTORY_DAYS: z.coerce.number().int().min(1).max(3660).optional(),
  /**
   * When a write would take the workbook past Google's 10M cells: `trim-oldest` removes the tab's oldest days until it
   * fits, `fail` ends the import with the numbers and what to do.
   */
  SHEETS_CELL_POLICY: z.enum(['trim-oldest', 'fail']).default('trim-oldest'),
});
export type SheetsWriterConfig = z.infer<typeof sheetsWriterConfig>;
