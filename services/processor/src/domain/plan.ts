import type { BlobRef, EventOfType, LayoutV1, ReportType } from '@reportline/contracts';

type DownloadedV3 = Extract<EventOfType<'ReportsDownloaded'>, { version: 3 }>['data'];
export type Granularity = LayoutV1['granularity'];

/** The first day of the period `date` (YYYY-MM-DD) belongs to: itself, its week's Monday, or its month's 1st. */
export function periodOf(date: string, granularity: Granularity): string {
  if (granularity === 'day') return date;
  if (granularity === 'month') return `${date.slice(0, 8)}01`;
  const ms = Date.parse(`${date}T00:00:00Z`);
  const sinceMonday = (new Date(ms).getUTCDay() + 6) % 7;
  return new Date(ms - sinceMonday * 86_400_000).toISOString().slice(0, 10);
}

export interface PlannedFile {
  reportType: ReportType;
  statDate: string;
  file: BlobRef;
}

/**
 * Which parts of a ReportsDownloaded v3 become rows:
 * - `dates`: every period with a report of the import (rows, or NAVER confirmed none) and nothing pending, with the
 *   newest generation among its reports: the writer replaces exactly these;
 * - `pending`: periods with any pending date, one reason each (the first by date, then report type). A period where
 *   one type is pending and another built is pending as a whole: replacing it would leave it half written;
 * - `statDates`: the days whose lines are read (the days of `dates`); `files`: the built files of those days.
 */
export interface ImportPlan {
  dates: { date: string; generatedAt: string }[];
  pending: { date: string; reason: string }[];
  statDates: Set<string>;
  files: PlannedFile[];
}

export function planImport(data: Pick<DownloadedV3, 'reports' | 'pending'>, granularity: Granularity): ImportPlan {
  const pendingReason = new Map<string, string>();
  const byDate = [...data.pending].sort(
    (a, b) => a.statDate.localeCompare(b.statDate) || a.reportType.localeCompare(b.reportType),
  );
  for (const p of byDate) {
    const period = periodOf(p.statDate, granularity);
    if (!pendingReason.has(period)) pendingReason.set(period, `${p.statDate} ${p.reportType}: ${p.reason} (${p.code})`);
  }
  const generation = new Map<string, string>();
  const statDates = new Set<string>();
  for (const r of data.reports) {
    const period = periodOf(r.statDate, granularity);
    if (pendingReason.has(period)) continue;
    statDates.add(r.statDate);
    const seen = generation.get(period);
    // ISO instants of one format compare as strings; Date.parse covers mixed offsets.
    if (seen === undefined || Date.parse(r.generatedAt) > Date.parse(seen)) generation.set(period, r.generatedAt);
  }
  return {
    dates: [...generation.entries()]
      .map(([date, generatedAt]) => ({ date, generatedAt }))
      .sort((a, b) => a.date.localeCompare(b.date)),
    pending: [...pendingReason.entries()]
      .map(([date, reason]) => ({ date, reason }))
      .sort((a, b) => a.date.localeCompare(b.date)),
    statDates,
    files: data.reports.flatMap((r) =>
      r.outcome === 'built' && r.file && statDates.has(r.statDate)
        ? [{ reportType: r.reportType, statDate: r.statDate, file: r.file }]
        : [],
    ),
  };
}
