// What one replace-by-date write is asked (the input, checked before anything is read) and what it answers.
import { z } from 'zod';
import type { CellPolicy } from './cell-budget.ts';
import type { CellInput, Column } from './cells.ts';
import { METADATA_TAB } from './metadata.ts';
import { STAGING_PREFIX } from './plan.ts';

export interface ReplaceDatesInput {
  spreadsheetId: string;
  sheetName: string;
  writeJobId: string;
  columns: readonly Column[];
  /** Every date the import replaces; a date without rows is written as an empty day. */
  dates: readonly string[];
  /** Dates to leave as they are. */
  pending: readonly string[];
  /** Dates a newer generation already wrote (the caller's record): left as they are. */
  newerWritten: readonly string[];
  /** The rows, sorted by date, the date first; read once, as they stream. */
  rows: AsyncIterable<readonly CellInput[]> | Iterable<readonly CellInput[]>;
  /** How many rows `rows` yields (the staging tab is sized by it before they are read). */
  rowCount: number;
  historyDays?: number | undefined;
  policy: CellPolicy;
}

export interface ReplaceDatesResult {
  /** The tab the rows went to: the connection's, or the roll-over tab the `new-tab` policy moved it on to. */
  sheetName: string;
  /** Rows this import put in the tab. */
  rowsWritten: number;
  /** Data rows in the tab after the commit (header excluded). */
  rowsInTab: number;
  written: string[];
  trimmed: string[];
  skipped: string[];
  pending: string[];
  /** The cell policy, when it had to act to fit (trim, or roll over to a new tab). */
  policyApplied: CellPolicy | undefined;
  /** True when this job had already been committed and nothing was written. */
  replayed: boolean;
}

export const ReplaceDatesInputSchema = z.object({
  spreadsheetId: z.string().min(1, 'spreadsheetId is required'),
  sheetName: z
    .string()
    .min(1, 'sheetName is required')
    .max(100, 'sheetName: Sheets allows at most 100 characters')
    .refine((n) => n.toLowerCase() !== METADATA_TAB && !n.startsWith(STAGING_PREFIX), {
      message: `sheetName: "${METADATA_TAB}" and "${STAGING_PREFIX}…" are reserved for the writer`,
    }),
  writeJobId: z.string().regex(/^[A-Za-z0-9_-]{1,90}$/, 'writeJobId: 1-90 characters of A-Z, a-z, 0-9, _ and -'),
});
