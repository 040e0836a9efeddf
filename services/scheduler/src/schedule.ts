import {
  addDays,
  type Clock,
  every,
  KST_OFFSET_MS,
  kstDate,
  type Logger,
  type OutboxRelay,
  type Pool,
  withTransaction,
} from '@reportline/platform';
import type { RaiseAlert } from './alerts/alert.ts';
import type { SchedulerConfig } from './config.ts';
import { decideRun, dueRunDay, missingAlert, runFailedAlert, type SchedulePolicy } from './domain/schedule.ts';
import { type RequestImportResult, requestImport } from './request-import.ts';
import {
  dueCandidates,
  endRun,
  insertRun,
  lockRun,
  openRuns,
  type RunKey,
  recordRetry,
  runViews,
  scheduleConnection,
  setScheduledImport,
} from './schedule-store.ts';

const BATCH = 100;
// Open runs waiting for their next retry are looked at every tick; this bounds one tick's work, oldest try first.
const OPEN_BATCH = 500;

export interface ScheduleDeps {
  pool: Pool;
  clock: Clock;
  relay: OutboxRelay;
  logger: Logger;
  /** Raises the 'data-pending' alert of a run that ended with dates missing, in the transaction that ends it. */
  raiseAlert: RaiseAlert;
  policy: SchedulePolicy;
}

/**
 * Starts the runs due now (domain/schedule.ts `dueRunDay`). Storing the run first, keyed by connection and day, is
 * what makes several instances start it once; the import is then requested by `advanceRun`. Returns how many started
 * and whether a full batch was read (more may be due).
 */
export async function startDueRuns(deps: ScheduleDeps): Promise<{ started: number; more: boolean }> {
  const now = deps.clock.now();
  const today = kstDate(now);
  const hhmm = new Date(now.getTime() + KST_OFFSET_MS).toISOString().slice(11, 16);
  const candidates = await dueCandidates(deps.pool, { today, yesterday: addDays(today, -1), hhmm }, BATCH);
  let started = 0;
  for (const c of candidates) {
    const log = { connectionId: c.id, customerId: c.customerId };
    try {
      const runDay = dueRunDay(c, c.lastRunDay, now);
      if (!runDay) continue;
      const key = { connectionId: c.id, runDay };
      if (!(await insertRun(deps.pool, key, now))) continue;
      started++;
      deps.logger.info({ ...log, runDay, caughtUp: runDay !== today }, 'scheduled run started');
      await advanceRun(deps, key);
    } catch (err) {
      // One connection's failure must not cost the others their run; the row, if stored, is picked up again.
      deps.logger.error({ err, ...log }, 'starting a scheduled run failed; going on with the others');
    }
  }
  // Only a batch that started runs can be followed by more: the prefilter leaves started runs out next time.
  return { started, more: candidates.length === BATCH && started > 0 };
}

/** A connection deleted or turned unhealthy since the run was decided on stops it, like one found so beforehand. */
const notAccepted = (r: Exclude<RequestImportResult, { kind: 'accepted' }>) =>
  r.kind === 'not-found' || r.code === 'connection-unhealthy' ? 'stopped' : 'failed';

/**
 * Decides on one open run and carries the decision out, holding the run's row lock so two instances never decide on
 * it at once. The imports are requested with the run's idempotency keys besides: a crash between the request and the
 * commit repeats the request, which then answers with the import made before. requestImport commits on a connection
 * of its own while this one holds the lock: a tick needs two of the pool's connections, never more.
 */
export async function advanceRun(deps: ScheduleDeps, key: RunKey): Promise<void> {
  await withTransaction(deps.pool, async (tx) => {
    const run = await lockRun(tx, key);
    if (!run) return;
    const c = await scheduleConnection(tx, key.connectionId);
    const views = await runViews(tx, run.importIds);
    const now = deps.clock.now();
    const step = decideRun(run, views, c, now, deps.policy);
    const log = { connectionId: key.connectionId, customerId: c?.customerId, runDay: key.runDay };
    switch (step.kind) {
      case 'wait':
        return;
      case 'request-scheduled': {
        const r = await requestImport(deps, {
          connectionId: key.connectionId,
          trigger: 'scheduled',
          idempotencyKey: step.idempotencyKey,
        });
        if (r.kind !== 'accepted') {
          deps.logger.error({ ...log, result: r }, 'scheduled import not accepted; run ended');
          await endRun(tx, key, notAccepted(r), null, now);
          return;
        }
        await setScheduledImport(tx, key, r.view.importId);
        deps.logger.info({ ...log, importId: r.view.importId }, 'scheduled import requested');
        return;
      }
      case 'retry': {
        const r = await requestImport(deps, {
          connectionId: key.connectionId,
          trigger: 'scheduled',
          dateRange: step.dateRange,
          idempotencyKey: step.idempotencyKey,
        });
        if (r.kind !== 'accepted') {
          deps.logger.error({ ...log, result: r }, 'pending dates not re-requested; run ended');
          await endRun(tx, key, notAccepted(r), null, now);
          return;
        }
        await recordRetry(tx, key, r.view.importId, now);
        deps.logger.info(
          { ...log, importId: r.view.importId, attempt: step.attempt, dateRange: step.dateRange },
          step.dateRange ? 'pending dates requested again' : 'failed scheduled import requested again',
        );
        return;
      }
      case 'end': {
        const missing = step.outcome === 'missing' ? step.missing : null;
        await endRun(tx, key, step.outcome, missing, now);
        const importId = run.importIds.at(-1) ?? null;
        if (step.outcome === 'failed' && step.failure?.retryable && c) {
          // A retryable failure raised no alert of its own (it was to pass): the run gave up on it, so say so.
          await deps.raiseAlert(tx, runFailedAlert(c, { runDay: key.runDay, importId }, step.failure, now));
          deps.logger.warn({ ...log, importId, code: step.failure.code }, 'scheduled run ended failed; alert raised');
        } else if (missing && c) {
          await deps.raiseAlert(tx, missingAlert(c, { runDay: key.runDay, importId }, missing, now));
          deps.logger.warn(
            { ...log, importId, dates: [...new Set(missing.map((p) => p.statDate))] },
            'scheduled run ended with dates still pending at NAVER; alert raised',
          );
        } else {
          deps.logger.info({ ...log, importId, outcome: step.outcome }, 'scheduled run ended');
        }
        return;
      }
    }
  });
}

/** Decides on every open run that has something to decide; one run's failure never stops the others. */
export async function advanceOpenRuns(deps: ScheduleDeps): Promise<void> {
  for (const key of await openRuns(deps.pool, OPEN_BATCH)) {
    try {
      await advanceRun(deps, key);
    } catch (err) {
      deps.logger.error({ err, ...key }, 'advancing a scheduled run failed; going on with the others');
    }
  }
}

/** One tick of the schedule: start what is due, then move the open runs on. 'again' when more may be due. */
export async function runSchedule(deps: ScheduleDeps): Promise<'again' | undefined> {
  const { more } = await startDueRuns(deps);
  await advanceOpenRuns(deps);
  return more ? 'again' : undefined;
}

/** The schedule's settings from the scheduler's config. */
export const scheduleSettings = (
  config: Pick<
    SchedulerConfig,
    | 'SCHEDULE_TICK_MS'
    | 'SCHEDULE_PENDING_RETRY_MS'
    | 'SCHEDULE_PENDING_CUTOFF_KST'
    | 'SCHEDULE_FAILED_RETRY_MS'
    | 'SCHEDULE_FAILED_RETRIES'
  >,
): { policy: SchedulePolicy; everyMs: number } => ({
  policy: {
    pendingRetryMs: config.SCHEDULE_PENDING_RETRY_MS,
    pendingCutoffKst: config.SCHEDULE_PENDING_CUTOFF_KST,
    failedRetryMs: config.SCHEDULE_FAILED_RETRY_MS,
    failedRetries: config.SCHEDULE_FAILED_RETRIES,
  },
  everyMs: config.SCHEDULE_TICK_MS,
});

/** Runs the schedule every `everyMs` until stopped. Returns the stop function. */
export function startSchedule(deps: ScheduleDeps & { everyMs: number }): () => Promise<void> {
  const stop = new AbortController();
  const loop = every(deps.everyMs, () => runSchedule(deps), {
    signal: stop.signal,
    onError: (err) => deps.logger.error({ err }, 'schedule tick failed; retrying'),
  });
  return async () => {
    stop.abort();
    await loop.done;
  };
}
