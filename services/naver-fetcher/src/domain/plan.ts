import type { ReportType } from '@reportline/contracts';
import { addDays, kstDate } from '@reportline/platform';

export interface ReportTask {
  reportType: ReportType;
  statDate: string;
}

export interface Clamp {
  reportType: ReportType;
  dateRange: { from: string; to: string };
  reason: string;
}

/**
 * One stat-report job per (type, day). Days outside the type's NAVER look-back, or not yet over in KST, are clamped
 * off and reported, not failed: the rest of the import is still worth having.
 */
export function planReports(
  request: { reportTypes: readonly ReportType[]; dateRange: { from: string; to: string } },
  lookBackDays: Readonly<Record<ReportType, number>>,
  now: Date,
): { tasks: ReportTask[]; clamped: Clamp[] } {
  const today = kstDate(now);
  const tasks: ReportTask[] = [];
  const clamped: Clamp[] = [];
  for (const reportType of request.reportTypes) {
    const earliest = addDays(today, -lookBackDays[reportType]);
    const latest = addDays(today, -1);
    const { from, to } = request.dateRange;
    if (from < earliest) {
      const end = to < earliest ? to : addDays(earliest, -1);
      clamped.push({
        reportType,
        dateRange: { from, to: end },
        reason: `NAVER keeps ${reportType} for ${lookBackDays[reportType]} days`,
      });
    }
    if (to > latest) {
      const start = from > latest ? from : addDays(latest, 1);
      clamped.push({ reportType, dateRange: { from: start, to }, reason: 'NAVER has no report for today or later' });
    }
    for (let d = from < earliest ? earliest : from; d <= to && d <= latest; d = addDays(d, 1)) {
      tasks.push({ reportType, statDate: d });
    }
  }
  return { tasks, clamped };
}
