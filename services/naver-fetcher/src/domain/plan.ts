import type { BlobRef, ReportType } from '@reportline/contracts';
import { addDays, kstDate } from '@reportline/platform';

/**
 * The data calendar: what Reportline knows about one (customer id, report type, date). NAVER keeps reports 14 days
 * and restates the last 48 h, so the stored raw files are the system's memory, and the calendar says which dates are
 * known, final, or due again. It belongs to the customer id, shared by every connection of it.
 *
 * - fetched: a file is stored (its generation, checksum and row count);
 * - none: NAVER confirmed no metrics for the date;
 * - pending: NAVER has not finished the date (20007, AGGREGATING, an early NONE) — ask again later;
 * - changed: NAVER answered CHANGED (restated) and the new report could not be read yet — ask again;
 * - failed: the last try ended in an error — ask again.
 * A pending, changed or failed entry keeps the last good generation (if any), so an unconfirmed answer never
 * replaces stored rows and a date beyond NAVER's look-back can still be served.
 */
export type CalendarState = 'fetched' | 'none' | 'pending' | 'changed' | 'failed';

export interface StoredGeneration {
  outcome: 'built' | 'none';
  /** When NAVER built it (the fetcher saw the job reach BUILT or NONE). */
  generatedAt: string;
  file?: BlobRef;
  rows: number;
}

export interface CalendarEntry {
  reportType: ReportType;
  statDate: string;
  state: CalendarState;
  /** The last good generation: the file (or the confirmed NONE) served from the store. */
  stored?: StoredGeneration;
  /** When NAVER was last asked about this date (any answer). */
  checkedAt: string;
  reason?: string;
}

export interface ReportTask {
  reportType: ReportType;
  statDate: string;
  /** The date had rows before: a NONE for it is re-checked once before it is accepted. */
  hadRows: boolean;
}

export interface StoreReport extends StoredGeneration {
  reportType: ReportType;
  statDate: string;
}

export interface Clamp {
  reportType: ReportType;
  dateRange: { from: string; to: string };
  reason: string;
}

export interface CalendarPolicy {
  lookBackDays: Readonly<Record<ReportType, number>>;
  /** Dates this many days back from today (KST) are fetched again: NAVER restates the last 48 h. */
  restatementDays: number;
  /** A restatement-window date NAVER answered within this long counts as fresh (five connections, one fetch). */
  freshMs: number;
}

export interface ImportPlan {
  /** (type, date) reports to ask NAVER for, under a lease. */
  naver: ReportTask[];
  /** Reports served from the store. */
  store: StoreReport[];
  clamped: Clamp[];
}

export const calendarKey = (reportType: string, statDate: string) => `${reportType}|${statDate}`;

/**
 * Plans an import from the calendar: NAVER only for dates that are missing, not final (pending, changed, failed), or
 * inside the restatement window and not fresh; every other date is served from the store. A date NAVER no longer
 * keeps (beyond the type's look-back) is served from the store when it is there, else clamped with the reason; today
 * and later are clamped (NAVER's earliest report is yesterday's).
 */
export function planImport(
  request: { reportTypes: readonly ReportType[]; dateRange: { from: string; to: string } },
  calendar: ReadonlyMap<string, CalendarEntry>,
  policy: CalendarPolicy,
  now: Date,
): ImportPlan {
  const today = kstDate(now);
  const yesterday = addDays(today, -1);
  const windowStart = addDays(today, -policy.restatementDays);
  const plan: ImportPlan = { naver: [], store: [], clamped: [] };
  for (const reportType of request.reportTypes) {
    const earliest = addDays(today, -policy.lookBackDays[reportType]);
    const lost: string[] = [];
    for (let d = request.dateRange.from; d <= request.dateRange.to && d <= yesterday; d = addDays(d, 1)) {
      const entry = calendar.get(calendarKey(reportType, d));
      const stored = entry?.stored;
      if (d < earliest) {
        if (stored) plan.store.push({ reportType, statDate: d, ...stored });
        else lost.push(d);
        continue;
      }
      const final = entry && (entry.state === 'fetched' || entry.state === 'none') && stored;
      const fresh = entry && now.getTime() - Date.parse(entry.checkedAt) < policy.freshMs;
      if (final && (d < windowStart || fresh)) plan.store.push({ reportType, statDate: d, ...stored });
      else plan.naver.push({ reportType, statDate: d, hadRows: (stored?.rows ?? 0) > 0 });
    }
    for (const range of runs(lost)) {
      plan.clamped.push({
        reportType,
        dateRange: range,
        reason: `NAVER keeps ${reportType} for ${policy.lookBackDays[reportType]} days and Reportline has no stored copy`,
      });
    }
    if (request.dateRange.to > yesterday) {
      const from = request.dateRange.from > yesterday ? request.dateRange.from : today;
      plan.clamped.push({
        reportType,
        dateRange: { from, to: request.dateRange.to },
        reason: 'NAVER has no report for today or later',
      });
    }
  }
  return plan;
}

/** Consecutive dates as ranges: clamps are reported as ranges, not one entry per day. */
export function runs(dates: readonly string[]): { from: string; to: string }[] {
  const out: { from: string; to: string }[] = [];
  for (const d of [...dates].sort()) {
    const last = out.at(-1);
    if (last && addDays(last.to, 1) === d) last.to = d;
    else out.push({ from: d, to: d });
  }
  return out;
}

/** What NAVER answered for one (type, date) under the lease. */
export type DayResult =
  | { kind: 'built'; generatedAt: string; file: BlobRef; rows: number }
  | { kind: 'none'; generatedAt: string }
  | { kind: 'pending'; code: 'not-ready' | 'aggregating' | 'early-none' | 'restated'; reason: string }
  /** NAVER refused the date as beyond its look-back (10004), though our configured look-back allowed it. */
  | { kind: 'clamped'; reason: string };

/**
 * The calendar entry after NAVER's answer (evolve). A new generation replaces the stored one only when it is a file,
 * or a NONE NAVER confirmed; pending and restated answers keep the last good generation. The same content fetched
 * again keeps its generation (nothing changed at NAVER), so unchanged re-fetches of window dates store nothing new.
 */
export function recordDay(
  before: CalendarEntry | undefined,
  task: { reportType: ReportType; statDate: string },
  result: DayResult,
  now: Date,
): CalendarEntry {
  const base = { reportType: task.reportType, statDate: task.statDate, checkedAt: now.toISOString() };
  const kept = before?.stored;
  switch (result.kind) {
    case 'built': {
      const same = kept?.file && kept.file.sha256 === result.file.sha256;
      const stored: StoredGeneration = same
        ? kept
        : { outcome: 'built', generatedAt: result.generatedAt, file: result.file, rows: result.rows };
      return { ...base, state: 'fetched', stored };
    }
    case 'none':
      return {
        ...base,
        state: 'none',
        stored: kept?.outcome === 'none' ? kept : { outcome: 'none', generatedAt: result.generatedAt, rows: 0 },
      };
    case 'pending':
      return {
        ...base,
        state: result.code === 'restated' ? 'changed' : 'pending',
        ...(kept ? { stored: kept } : {}),
        reason: result.reason,
      };
    case 'clamped':
      // NAVER will not have it again: keep what is stored, and stop asking for it as if it were missing.
      return {
        ...base,
        state: kept ? (kept.outcome === 'none' ? 'none' : 'fetched') : 'failed',
        ...(kept ? { stored: kept } : {}),
        reason: result.reason,
      };
  }
}

/** A failed day: asked again next time; what was stored stays. */
export function recordFailure(
  before: CalendarEntry | undefined,
  task: ReportTask,
  reason: string,
  now: Date,
): CalendarEntry {
  return {
    reportType: task.reportType,
    statDate: task.statDate,
    state: 'failed',
    checkedAt: now.toISOString(),
    ...(before?.stored ? { stored: before.stored } : {}),
    reason,
  };
}

/**
 * Whether a NONE is too early to believe: NAVER answers NONE for yesterday before the day is aggregated (#1243), so
 * before the data-ready hour (KST) it means "not yet", not "no data".
 */
export function isEarlyNone(statDate: string, now: Date, dataReadyHourKst: number): boolean {
  const kstHour = new Date(now.getTime() + 9 * 3_600_000).getUTCHours();
  return statDate >= addDays(kstDate(now), -1) && kstHour < dataReadyHourKst;
}
