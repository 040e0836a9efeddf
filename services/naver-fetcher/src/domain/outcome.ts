import type { BlobRef, ReportType } from '@reportline/contracts';
import type { Clamp, DayResult, ImportPlan, ReportTask, StoreReport } from './plan.ts';

export interface ImportReport {
  reportType: ReportType;
  statDate: string;
  outcome: 'built' | 'none';
  source: 'naver' | 'store';
  generatedAt: string;
  file?: BlobRef;
  rows: number;
}

export interface PendingReport {
  reportType: ReportType;
  statDate: string;
  code: 'not-ready' | 'aggregating' | 'early-none' | 'restated';
  reason: string;
}

export interface ImportOutcome {
  reports: ImportReport[];
  pending: PendingReport[];
  clamped: Clamp[];
}

const fromStore = (r: StoreReport): ImportReport => ({
  reportType: r.reportType,
  statDate: r.statDate,
  outcome: r.outcome,
  source: 'store',
  generatedAt: r.generatedAt,
  rows: r.rows,
  ...(r.file ? { file: r.file } : {}),
});

const byTypeAndDate = (a: { reportType: string; statDate: string }, b: { reportType: string; statDate: string }) =>
  a.reportType.localeCompare(b.reportType) || a.statDate.localeCompare(b.statDate);

/**
 * What the import got: the stored reports of the plan and NAVER's answers for the rest, in (type, date) order. A date
 * NAVER refused as beyond its look-back is served from the store when a copy is there, else clamped like the plan's.
 */
export function importOutcome(
  plan: ImportPlan,
  fetched: readonly { task: ReportTask; result: DayResult }[],
  storedCopy: (task: ReportTask) => StoreReport | undefined = () => undefined,
): ImportOutcome {
  const reports = plan.store.map(fromStore);
  const pending: PendingReport[] = [];
  const clamped = [...plan.clamped];
  for (const { task, result } of fetched) {
    const base = { reportType: task.reportType, statDate: task.statDate };
    switch (result.kind) {
      case 'built':
        reports.push({
          ...base,
          outcome: 'built',
          source: 'naver',
          generatedAt: result.generatedAt,
          file: result.file,
          rows: result.rows,
        });
        break;
      case 'none':
        reports.push({ ...base, outcome: 'none', source: 'naver', generatedAt: result.generatedAt, rows: 0 });
        break;
      case 'pending':
        pending.push({ ...base, code: result.code, reason: result.reason });
        break;
      case 'clamped': {
        const copy = storedCopy(task);
        if (copy) reports.push(fromStore(copy));
        else
          clamped.push({
            reportType: task.reportType,
            dateRange: { from: task.statDate, to: task.statDate },
            reason: result.reason,
          });
        break;
      }
    }
  }
  reports.sort(byTypeAndDate);
  pending.sort(byTypeAndDate);
  return { reports, pending, clamped };
}

/** How a request is answered before any lease: served from the store, sent to the lock, or refused. */
export type RequestDecision =
  | { kind: 'serve' }
  | { kind: 'lease'; reason: string }
  | { kind: 'refuse'; code: 'nothing-to-fetch'; message: string };

/**
 * Decide on an ImportRequested from its plan. NAVER is needed (a lease) when some report must be asked for, or when
 * the credentials were never accepted by NAVER for the customer id (stored data is served only to verified ones).
 * A plan with nothing at all — every date clamped — ends the import with the reasons.
 */
export function decideRequest(plan: ImportPlan, verified: boolean): RequestDecision {
  if (plan.naver.length === 0 && plan.store.length === 0) {
    const why = plan.clamped.map((c) => `${c.reportType} ${c.dateRange.from}..${c.dateRange.to}: ${c.reason}`);
    return {
      kind: 'refuse',
      code: 'nothing-to-fetch',
      message: `no requested date can be fetched (${why.join('; ')}); choose dates within NAVER's look-back, up to yesterday`,
    };
  }
  if (plan.naver.length > 0) return { kind: 'lease', reason: `${plan.naver.length} reports to ask NAVER for` };
  if (!verified) return { kind: 'lease', reason: 'the credentials are not verified with NAVER yet' };
  return { kind: 'serve' };
}
