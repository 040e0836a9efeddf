import type { BlobRef, EventOfType, ReportType, SheetTarget } from '@reportline/contracts';
import type { z } from 'zod';

/** A stored raw file to read and parse: one (type, date) report NAVER built, wherever the fetcher got it. */
export interface FileToRead {
  reportType: ReportType;
  statDate: string;
  file: BlobRef;
}

/** A ReportsDownloaded answered as before the processor knew layouts (v3 goes through `planImport` instead). */
export type LegacyDownload = Exclude<EventOfType<'ReportsDownloaded'>, { version: 3 }>;

/**
 * What the processor does with a ReportsDownloaded v1 or v2: parse `files` into rows over `dates` and hand them to the
 * writer (RowsProcessed v2 with `carried`, or v1 when a ReportsDownloaded v1 named no target).
 */
export interface DownloadAnswer {
  files: FileToRead[];
  /** The dates of the reports, sorted: the rows' date range. */
  dates: string[];
  carried: { connectionId: string; target: z.infer<typeof SheetTarget> } | null;
}

export function answerFor(event: LegacyDownload): DownloadAnswer {
  const { data } = event;
  // Only built reports have a file; a NONE day (NAVER confirmed no metrics) contributes no rows.
  const files: FileToRead[] = data.reports.flatMap((r) =>
    r.outcome === 'built' && r.file ? [{ reportType: r.reportType, statDate: r.statDate, file: r.file }] : [],
  );
  return {
    files,
    dates: data.reports.map((r) => r.statDate).sort(),
    carried: event.version === 1 ? null : { connectionId: event.data.connectionId, target: event.data.target },
  };
}
