import { z } from 'zod';
import { defineEvent } from '../envelope.ts';
import { LayoutV1 } from '../layout.ts';
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

/**
 * v2 adds what the connection asks of its sheet, as it was when the import was requested: the processor builds the
 * rows in `layout` (DEFAULT_LAYOUT when null) and the writer keeps `historyDays` days in the tab. Carried by the
 * event, so no service reads another's store, and a layout changed later never changes an import in flight.
 */
export const ImportRequestV2 = ImportRequest.extend({
  layout: LayoutV1.nullable(),
  historyDays: z.number().int().min(1).max(400),
});
export type ImportRequestV2 = z.infer<typeof ImportRequestV2>;
export const ImportRequestedV2 = defineEvent('ImportRequested', 2, ImportRequestV2, { leased: false });

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
