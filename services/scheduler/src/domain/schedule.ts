import { addDays, kstDate } from '@reportline/platform';
import type { Alert } from '../alerts/alert.ts';
import type { Connection } from '../connection-store.ts';
import type { ImportView } from './import-view.ts';

export type PendingReport = ImportView['pending'][number];

// The daily schedule's rules, pure: the loop (schedule.ts) reads the state, asks these, and carries out the answer.

/** What the schedule needs of a connection. `deletedAt` is not on Connection: the store hides deleted rows. */
export type ScheduledConnection = Pick<Connection, 'status' | 'scheduleTime' | 'pausedAt' | 'createdAt'> & {
  deletedAt: string | null;
};

export interface SchedulePolicy {
  /** A run's pending dates are asked for again this long after its last try. */
  pendingRetryMs: number;
  /** KST wall-clock time HH:MM after which a run stops asking and reports its dates missing. */
  pendingCutoffKst: string;
  /** A run whose import failed for a passing reason (retryable) requests it again this long after the failure... */
  failedRetryMs: number;
  /** ...at most this many times (and before the cut-off); then the run ends failed and raises an alert. */
  failedRetries: number;
}

export const DEFAULT_SCHEDULE_TIME = '06:30';

/** The instant of KST wall-clock time `hhmm` on KST day `day`. Korea has no daylight saving, so +09:00 is exact. */
export const kstInstant = (day: string, hhmm: string): Date => new Date(`${day}T${hhmm}:00+09:00`);

export const schedulable = (c: ScheduledConnection): boolean =>
  c.status === 'healthy' && c.pausedAt === null && c.deletedAt === null;

/**
 * The KST day whose run is due at `now`, or null. Only the latest day whose schedule time has passed is ever due, so
 * a scheduler down for days runs once when it is back, not once per missed day. A connection created after that
 * day's time waits for the next day: its first-link import already fetched what the run would have.
 */
export function dueRunDay(c: ScheduledConnection, lastRunDay: string | null, now: Date): string | null {
  if (!schedulable(c)) return null;
  const today = kstDate(now);
  const day = now >= kstInstant(today, c.scheduleTime) ? today : addDays(today, -1);
  if (lastRunDay !== null && lastRunDay >= day) return null;
  if (new Date(c.createdAt) > kstInstant(day, c.scheduleTime)) return null;
  return day;
}

/** A run as stored: the scheduled import, then one import per re-request of its pending dates. */
export interface ScheduledRun {
  runDay: string;
  startedAt: Date;
  /** Null until the scheduled import is requested (an instance stopped between storing the run and requesting). */
  importId: string | null;
  retries: number;
  lastRetryAt: Date | null;
  endedAt: Date | null;
}

export type RunOutcome = 'complete' | 'missing' | 'failed' | 'stopped';

export type RunStep =
  | { kind: 'request-scheduled'; idempotencyKey: string }
  | { kind: 'wait' }
  | {
      kind: 'retry';
      attempt: number;
      idempotencyKey: string;
      /** Undefined: the run's whole window again (its scheduled import failed before anything reached the sheet). */
      dateRange?: { from: string; to: string };
      pending: PendingReport[];
    }
  | { kind: 'end'; outcome: 'failed'; failure: ImportView['failure'] }
  | { kind: 'end'; outcome: Exclude<RunOutcome, 'missing' | 'failed'> }
  | { kind: 'end'; outcome: 'missing'; missing: PendingReport[] };

export const scheduledKey = (runDay: string) => `scheduled:${runDay}`;
export const retryKey = (runDay: string, attempt: number) => `pending:${runDay}:${attempt}`;

/**
 * The first cut-off after the run started: a run started after the day's cut-off (a late schedule time, a catch-up
 * in the afternoon) still gets its morning of re-requests, ending before the next day's run takes over.
 */
export function runCutoff(startedAt: Date, cutoffKst: string): Date {
  const sameDay = kstInstant(kstDate(startedAt), cutoffKst);
  return sameDay > startedAt ? sameDay : kstInstant(addDays(kstDate(startedAt), 1), cutoffKst);
}

const terminal = (v: ImportView) => v.status === 'completed' || v.status === 'failed';
/** When the import failed (its ImportFailed step), or `fallback` for a view that does not show it. */
const failedAt = (v: ImportView, fallback: Date): number => {
  const t = Date.parse(v.steps.find((s) => s.type === 'ImportFailed')?.time ?? '');
  return Number.isNaN(t) ? fallback.getTime() : t;
};

/**
 * What to do with an open run at `now`, given its imports' views in order (scheduled first). The run waits while its
 * latest import is running: the fetcher decides what is pending only once it has asked NAVER. The dates still
 * pending are those of the latest completed import: a retry that failed leaves them pending.
 *
 * An import that failed for a passing reason (an expired lease, a queue that was too long, a dependency down: the
 * failure says retryable) is requested again after `failedRetryMs`, up to `failedRetries` times before the cut-off:
 * the marketer expects the morning's sheet, not a failure nobody was told of (retryable failures raise no alert of
 * their own). A failure that will not pass by itself, or one still there after the retries, ends the run failed.
 */
export function decideRun(
  run: ScheduledRun,
  views: ImportView[],
  c: ScheduledConnection | undefined,
  now: Date,
  policy: SchedulePolicy,
): RunStep {
  if (run.endedAt) return { kind: 'wait' };
  if (!c || !schedulable(c)) return { kind: 'end', outcome: 'stopped' };
  if (!run.importId) return { kind: 'request-scheduled', idempotencyKey: scheduledKey(run.runDay) };
  const latest = views.at(-1);
  if (!latest || views.length < run.retries + 1 || !terminal(latest)) return { kind: 'wait' };
  const pastCutoff = now >= runCutoff(run.startedAt, policy.pendingCutoffKst);
  const lastTry = run.lastRetryAt ?? run.startedAt;
  const attempt = run.retries + 1;
  const informed = views.findLast((v) => v.status === 'completed');
  const retryPending = (pending: PendingReport[]): RunStep => {
    const dates = pending.map((p) => p.statDate).sort();
    return {
      kind: 'retry',
      attempt,
      idempotencyKey: retryKey(run.runDay, attempt),
      dateRange: { from: dates[0]!, to: dates.at(-1)! },
      pending,
    };
  };
  if (latest.status === 'failed') {
    const failures = views.filter((v) => v.status === 'failed').length;
    const passing = latest.failure?.retryable === true && failures <= policy.failedRetries && !pastCutoff;
    if (passing) {
      if (now.getTime() < failedAt(latest, lastTry) + policy.failedRetryMs) return { kind: 'wait' };
      if (informed && informed.pending.length > 0) return retryPending(informed.pending);
      if (!informed) return { kind: 'retry', attempt, idempotencyKey: retryKey(run.runDay, attempt), pending: [] };
    }
    if (!informed) return { kind: 'end', outcome: 'failed', failure: latest.failure };
  }
  const pending = informed!.pending;
  if (pending.length === 0) return { kind: 'end', outcome: 'complete' };
  if (pastCutoff) return { kind: 'end', outcome: 'missing', missing: pending };
  if (now.getTime() < lastTry.getTime() + policy.pendingRetryMs) return { kind: 'wait' };
  return retryPending(pending);
}

/**
 * The 'data-pending' alert of a run that ended with dates missing: which dates, NAVER's reason for each, and that
 * nobody needs to act. One per connection and run day, however often the run is looked at.
 */
export function missingAlert(
  c: Pick<Connection, 'id' | 'tenantId' | 'customerId' | 'sheetName'>,
  run: { runDay: string; importId: string | null },
  missing: PendingReport[],
  now: Date,
): Alert {
  const byDate = new Map<string, string[]>();
  for (const p of missing) {
    const line = `${p.reportType} ${p.code}: ${p.reason}`;
    byDate.set(p.statDate, [...(byDate.get(p.statDate) ?? []), line]);
  }
  const dates = [...byDate.keys()].sort();
  const details = dates.map((d) => `${d} (${byDate.get(d)!.join('; ')})`).join(', ');
  return {
    tenantId: c.tenantId,
    kind: 'data-pending',
    connectionId: c.id,
    customerId: c.customerId,
    importId: run.importId,
    title: `Data still pending for ${c.customerId} → Sheet ${c.sheetName}: ${dates.join(', ')}`,
    message: `The ${run.runDay} scheduled import ended without NAVER's final reports for ${details}. The sheet keeps what it held for these dates.`,
    action: "NAVER has not finished these dates; nothing to do: Reportline asks for them again in tomorrow's run.",
    at: now,
    dedupeKey: `data-pending:${c.id}:${run.runDay}`,
  };
}

/**
 * The 'import-failed' alert of a run that gave up on a passing failure after its retries: what failed last, and that
 * the next day's run tries again. One per connection and run day.
 */
export function runFailedAlert(
  c: Pick<Connection, 'id' | 'tenantId' | 'customerId' | 'sheetName'>,
  run: { runDay: string; importId: string | null },
  failure: NonNullable<ImportView['failure']>,
  now: Date,
): Alert {
  return {
    tenantId: c.tenantId,
    kind: 'import-failed',
    connectionId: c.id,
    customerId: c.customerId,
    importId: run.importId,
    title: `Scheduled import failed for ${c.customerId} → Sheet ${c.sheetName} (${run.runDay})`,
    message: `The ${run.runDay} scheduled import failed, also when requested again: ${failure.message}`,
    action: `${failure.action} Tomorrow's run asks for these dates again.`,
    at: now,
    dedupeKey: `run-failed:${c.id}:${run.runDay}`,
  };
}
