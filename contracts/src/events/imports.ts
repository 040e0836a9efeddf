import { z } from 'zod';
import { defineEvent } from '../envelope.ts';
import { DateRange, ReportType, SheetTarget } from '../primitives.ts';

/**
 * What an import asks for: the data of ImportRequested v1, carried forward unchanged in LockGranted v2 so the fetcher
 * needs no copy of its own. Both frozen schemas contain it: changing it changes two published versions.
 */
export const ImportRequest = z.object({
  connectionId: z.uuid(),
  trigger: z.enum(['first-link', 'manual', 'scheduled', 'relink']),
  priority: z.enum(['on-demand', 'scheduled']),
  reportTypes: z.array(ReportType).min(1),
  dateRange: DateRange,
  target: SheetTarget,
});
export type ImportRequest = z.infer<typeof ImportRequest>;

/**
 * Every import, whatever started it, is this one event: the seeds' scheduled runs skipped the lock because they took
 * a different path. `trigger` is informational; `priority` is what the lock queue orders by.
 */
export const ImportRequestedV1 = defineEvent('ImportRequested', 1, ImportRequest, { leased: false });

export const ImportCompletedV1 = defineEvent(
  'ImportCompleted',
  1,
  z.object({
    rowsWritten: z.number().int().nonnegative(),
    spreadsheetId: z.string().min(1),
    sheetName: z.string().min(1),
  }),
  { leased: false },
);

/** Why an import ended without data, in terms a person can act on. */
export const FailureStage = z.enum(['queue', 'lease', 'download', 'process', 'write']);
export const ImportFailedV1 = defineEvent(
  'ImportFailed',
  1,
  z.object({
    stage: FailureStage,
    code: z.string().regex(/^[a-z0-9-]+$/),
    message: z.string().min(1).max(2000),
    /** True when running the same import again later can succeed without anyone changing anything. */
    retryable: z.boolean(),
  }),
  { leased: false },
);
