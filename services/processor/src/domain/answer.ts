import type { BlobRef, EventOfType, ReportType, SheetTarget } from '@reportline/contracts';
import type { z } from 'zod';

/** A stored raw file to read and parse: one (type, date) report NAVER built, wherever the fetcher got it. */
export interface FileToRead {
  reportType: ReportType;
  statDate: string;
  file: BlobRef;
}

/**
 * What the processor does with a download:
 * - `rows`: parse `files` into rows over `dates` and hand them to the writer (RowsProcessed v2 with `carried`, or v1
 *   when a ReportsDownloaded v1 named no target);
 * - `nothing-to-write`: every date is pending, so there are no rows at all. The import ends here (ImportCompleted,
 *   0 rows) instead of reaching the writer, which replaces the tab with what it gets and would empty the sheet.
 */
export type DownloadAnswer =
  | {
      kind: 'rows';
      files: FileToRead[];
      /** The dates of the reports, sorted: the rows' date range. */
      dates: string[];
      carried: { connectionId: string; target: z.infer<typeof SheetTarget> } | null;
    }
  | { kind: 'nothing-to-write'; target: z.infer<typeof SheetTarget>; pending: number };

export function answerFor(event: EventOfType<'ReportsDownloaded'>): DownloadAnswer {
  const { data } = event;
  if (event.version === 3 && event.data.reports.length === 0) {
    return { kind: 'nothing-to-write', target: event.data.target, pending: event.data.pending.length };
  }
  // Only built reports have a file; a NONE day (NAVER confirmed no metrics) contributes no rows. Where the file came
  // from (NAVER under the lease, or the fetcher's store) makes no difference to parsing. v3's master snapshot is not
  // read yet: joining names is a later change.
  const files: FileToRead[] = data.reports.flatMap((r) =>
    r.outcome === 'built' && r.file ? [{ reportType: r.reportType, statDate: r.statDate, file: r.file }] : [],
  );
  return {
    kind: 'rows',
    files,
    dates: data.reports.map((r) => r.statDate).sort(),
    carried: event.version === 1 ? null : { connectionId: event.data.connectionId, target: event.data.target },
  };
}
