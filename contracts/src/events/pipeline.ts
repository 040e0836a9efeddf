import { z } from 'zod';
import { defineEvent } from '../envelope.ts';
import { BlobRef, DateRange, IsoDate, ReportType, SheetTarget } from '../primitives.ts';
import { RowSetColumn } from '../row-set.ts';

/** Progress: one stat-report day of one type is stored (or NAVER had no metrics for it). */
export const ChunkDownloadedV1 = defineEvent(
  'ChunkDownloaded',
  1,
  z.object({
    reportType: ReportType,
    statDate: IsoDate,
    outcome: z.enum(['built', 'none']),
    bytes: z.number().int().nonnegative(),
    completed: z.number().int().positive(),
    total: z.number().int().positive(),
  }),
  { leased: true },
);

export const DownloadedReport = z.object({
  reportType: ReportType,
  statDate: IsoDate,
  outcome: z.enum(['built', 'none']),
  /** Absent when NAVER reported no metrics (`NONE`) for that day. */
  file: BlobRef.optional(),
});

/** All NAVER work of the import is done and the lease released; everything after this runs without it. */
export const ReportsDownloadedV1 = defineEvent(
  'ReportsDownloaded',
  1,
  z.object({
    reports: z.array(DownloadedReport).min(1),
    naverRequests: z.number().int().nonnegative(),
    /** Days dropped because they lie outside NAVER's look-back for the type, said here rather than failing. */
    clamped: z.array(z.object({ reportType: ReportType, dateRange: DateRange, reason: z.string() })),
  }),
  { leased: true },
);

/**
 * What the steps after the fetcher need of the import, carried forward from the grant (the writer needs the target;
 * the connection id lets the processor look up the connection's layout later) instead of each step keeping a copy.
 */
const CarriedForward = { connectionId: z.uuid(), target: SheetTarget };

/** v2 adds the connection id and the target (see `CarriedForward`). */
export const ReportsDownloadedV2 = defineEvent(
  'ReportsDownloaded',
  2,
  ReportsDownloadedV1.data.extend(CarriedForward),
  { leased: true },
);

/** Where the fetcher got a report: from NAVER under the import's lease, or from the data calendar's store. */
export const ReportSource = z.enum(['naver', 'store']);

/**
 * Why a date has no report in this import yet, though NAVER will have one: `not-ready` (20007, the day is still being
 * aggregated), `aggregating` (a job ended AGGREGATING), `early-none` (NONE for yesterday before NAVER's data-ready hour,
 * or a NONE for a date that had rows, not confirmed by a second job), `restated` (NAVER answered CHANGED: the metrics
 * were revised and the new report could not be read yet). The writer leaves such dates in the sheet as they are; the
 * scheduler asks for them again later.
 */
export const PendingReport = z.object({
  reportType: ReportType,
  statDate: IsoDate,
  code: z.enum(['not-ready', 'aggregating', 'early-none', 'restated']),
  reason: z.string().min(1),
});

/**
 * v2 reports progress for NAVER days and for days served from the data calendar's store alike (`source`), several
 * reports at once: the stored days of an import arrive as one event, not one per day.
 */
export const ChunkDownloadedV2 = defineEvent(
  'ChunkDownloaded',
  2,
  z.object({
    source: ReportSource,
    reports: z
      .array(z.object({ reportType: ReportType, statDate: IsoDate, outcome: z.enum(['built', 'none', 'pending']) }))
      .min(1),
    bytes: z.number().int().nonnegative(),
    completed: z.number().int().positive(),
    total: z.number().int().positive(),
  }),
  { leased: false },
);

export const DownloadedReportV3 = z.object({
  reportType: ReportType,
  statDate: IsoDate,
  outcome: z.enum(['built', 'none']),
  source: ReportSource,
  /**
   * The generation this report is: when NAVER built it (as the fetcher saw the job reach BUILT or NONE). Stored files
   * are kept per generation; a newer generation of a date replaces an older one in the calendar.
   */
  generatedAt: z.iso.datetime({ offset: true }),
  /** Absent when NAVER confirmed no metrics (`NONE`) for that day. */
  file: BlobRef.optional(),
  /** Data lines in the file (0 for NONE). */
  rows: z.number().int().nonnegative(),
});

/**
 * v3: the NAVER work belongs to the customer id, not to the import. Reports come from NAVER or from the data calendar's
 * store (`source`), so the event is no longer necessarily the end of a lease: an import whose reports are all stored is
 * served without one (no fencing token then). It adds the dates that are not ready yet (`pending`), the report jobs
 * the import created, and the customer's master-data snapshot (names behind the ids) for the processor to join.
 */
export const ReportsDownloadedV3 = defineEvent(
  'ReportsDownloaded',
  3,
  z.object({
    /** Empty only when every date is pending. */
    reports: z.array(DownloadedReportV3),
    pending: z.array(PendingReport),
    clamped: ReportsDownloadedV1.data.shape.clamped,
    /** NAVER requests made for this import (0 when it was served from the store). */
    naverRequests: z.number().int().nonnegative(),
    /** Stat-report jobs this import created at NAVER. */
    reportJobs: z.number().int().nonnegative(),
    /** The customer's names and states per entity (contracts' master snapshot); absent before the first master fetch. */
    master: BlobRef.optional(),
    ...CarriedForward,
  }),
  { leased: false },
);

export const RowsProcessedV1 = defineEvent(
  'RowsProcessed',
  1,
  z.object({
    rows: BlobRef,
    rowCount: z.number().int().nonnegative(),
    columns: z.array(z.string().min(1)).min(1),
    dateRange: DateRange,
  }),
  { leased: false },
);

/**
 * v2 adds the connection id and the target, passed on from ReportsDownloaded v2: the writer writes where the event says.
 * The processor still answers a ReportsDownloaded v1 with v1, which the writer cannot serve and ends the import.
 */
export const RowsProcessedV2 = defineEvent('RowsProcessed', 2, RowsProcessedV1.data.extend(CarriedForward), {
  leased: false,
});

/**
 * v3: the rows of exactly the import's dates, for the writer to replace in place. `dates` lists every date (period)
 * the import replaces — with rows, or confirmed empty by NAVER — with the generation of the data (the newest
 * `generatedAt` of its reports): the writer never lets an older generation overwrite a date a newer one already
 * wrote. `pending` dates (not ready at NAVER, or failed) are left in the sheet as they are. The row set is the
 * streaming `reportline.rows.v2` format, sorted by date.
 */
export const RowsProcessedV3 = defineEvent(
  'RowsProcessed',
  3,
  z.object({
    rows: BlobRef,
    rowCount: z.number().int().nonnegative(),
    columns: z.array(RowSetColumn).min(1),
    granularity: z.enum(['day', 'week', 'month']),
    dates: z.array(z.object({ date: IsoDate, generatedAt: z.iso.datetime({ offset: true }) })),
    pending: z.array(z.object({ date: IsoDate, reason: z.string().min(1) })),
    /** Master-data misses: ids with no master row, kept with an empty name. */
    unnamed: z.number().int().nonnegative(),
    ...CarriedForward,
  }),
  { leased: false },
);

export const SheetWrittenV1 = defineEvent(
  'SheetWritten',
  1,
  z.object({
    spreadsheetId: z.string().min(1),
    sheetName: z.string().min(1),
    rowsWritten: z.number().int().nonnegative(),
    writeJobId: z.string().min(1),
  }),
  { leased: false },
);

/**
 * v2: the writer replaces the import's dates inside the tab (never re-creating it) and says what it did with each
 * date. `writtenDates` were replaced (a date without rows is written as an empty day); `skippedDates` were left
 * because a newer generation of them had already been written; `pendingDates` were left as they are (not ready at
 * NAVER); `trimmedDates` left the tab, out of the history window or, under `policy: 'trim-oldest'`, to fit Google's
 * 10M-cell limit. `policy` is set only when the cell policy had to act. `replayed`: the job had already been
 * committed by an earlier run, and this run wrote nothing.
 */
export const SheetWrittenV2 = defineEvent(
  'SheetWritten',
  2,
  SheetWrittenV1.data.extend({
    rowsInTab: z.number().int().nonnegative(),
    writtenDates: z.array(IsoDate),
    skippedDates: z.array(IsoDate),
    pendingDates: z.array(IsoDate),
    trimmedDates: z.array(IsoDate),
    policy: z.enum(['trim-oldest', 'fail']).optional(),
    replayed: z.boolean(),
  }),
  { leased: false },
);

/**
 * v3: as v2, and `policy` may also be `new-tab`: the change did not fit in the connection's tab, so the import's dates
 * went to the tab named `sheetName` beside it, where later imports continue (`rolledOverFrom` names the full tab).
 */
export const SheetWrittenV3 = defineEvent(
  'SheetWritten',
  3,
  SheetWrittenV2.data.extend({
    policy: z.enum(['trim-oldest', 'fail', 'new-tab']).optional(),
    rolledOverFrom: z.string().min(1).nullable(),
  }),
  { leased: false },
);
