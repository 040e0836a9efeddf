import { z } from 'zod';
import { defineEvent } from '../envelope.ts';
import { BlobRef, DateRange, IsoDate, ReportType, SheetTarget } from '../primitives.ts';

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
