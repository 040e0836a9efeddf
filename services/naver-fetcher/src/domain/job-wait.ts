import type { ReportTask } from './plan.ts';

/**
 * How long one stat-report job is polled before it counts as stuck. NAVER jobs have sat in REGIST for hours during
 * incidents (#1302, #1303); without a bound the import stays "downloading" and every later import of the customer id
 * waits behind its lease.
 */
export interface BuildWaitLimits {
  buildTimeoutMs: number;
  /** The longest pause between two polls; the first pauses are shorter because past days usually build in seconds. */
  pollMs: number;
}

export interface BuildWait {
  /** Monotonic instant the job was created. */
  readonly startedAt: number;
  /** Sum of the pauses already taken. */
  readonly sleptMs: number;
  readonly nextPauseMs: number;
}

export type PollStep = { kind: 'sleep'; ms: number; wait: BuildWait } | { kind: 'stuck'; waitedMs: number };

const FIRST_PAUSE_MS = 250;

/**
 * `expectedBuildMs` (see build-estimate.ts) moves the first poll to when the job is likely built: every poll of a job
 * still building is a request the rate budget could have spent on another job. Later pauses start short again.
 */
export function startBuildWait(now: number, limits: BuildWaitLimits, expectedBuildMs?: number): BuildWait {
  const first = Math.min(Math.max(expectedBuildMs ?? FIRST_PAUSE_MS, FIRST_PAUSE_MS), limits.pollMs);
  return { startedAt: now, sleptMs: 0, nextPauseMs: first };
}

/**
 * After a poll that found the job still pending: pause before the next poll, or give up. Pauses double up to `pollMs`
 * and never reach past the deadline, so the last poll happens at the deadline itself. Elapsed time is the larger of
 * the monotonic clock's reading and the pauses taken: the pauses alone already bound the number of polls, so the loop
 * ends even if the clock it is given stands still.
 */
export function nextPoll(wait: BuildWait, now: number, limits: BuildWaitLimits): PollStep {
  const elapsed = Math.max(now - wait.startedAt, wait.sleptMs);
  if (elapsed >= limits.buildTimeoutMs) return { kind: 'stuck', waitedMs: elapsed };
  const ms = Math.min(wait.nextPauseMs, limits.buildTimeoutMs - elapsed);
  return {
    kind: 'sleep',
    ms,
    wait: {
      ...wait,
      sleptMs: wait.sleptMs + ms,
      // After a first pause at the expected build time, a short one: the job is most likely almost built.
      nextPauseMs:
        wait.sleptMs === 0 && wait.nextPauseMs > FIRST_PAUSE_MS
          ? Math.max(FIRST_PAUSE_MS, Math.round(wait.nextPauseMs / 4))
          : Math.min(wait.nextPauseMs * 2, limits.pollMs),
    },
  };
}

/** A day's jobs did not build within the build timeout, try after try; retryable because NAVER usually recovers. */
export class NaverReportStuckError extends Error {
  override readonly name = 'NaverReportStuckError';
  readonly task: ReportTask;
  readonly stuckAttempts: number;
  readonly attempts: number;
  constructor(task: ReportTask, stuck: { attempts: number; of: number; buildTimeoutMs: number; lastStatus: string }) {
    const times = stuck.attempts === stuck.of ? plural(stuck.of, 'time') : `in ${stuck.attempts} of ${stuck.of} tries`;
    super(
      `NAVER did not finish building the ${task.reportType} report for ${task.statDate} within ` +
        `${humanDuration(stuck.buildTimeoutMs)}, ${times} (last status ${stuck.lastStatus}); ` +
        'NAVER may be overloaded — retry later',
    );
    this.task = task;
    this.stuckAttempts = stuck.attempts;
    this.attempts = stuck.of;
  }
}

/** How one attempt at a day ended when it is worth a fresh job. */
export type AttemptEnd = { kind: 'stuck'; status: string } | { kind: 'retryable'; error: unknown };

/**
 * The error that ends a day once its attempts are used up. A stuck build wins over other retryable causes (a vanished
 * job, a 5xx): it is the slower one to clear, so "retry later" with the time it was given is the advice a person needs.
 */
export function dayGivenUp(task: ReportTask, ends: readonly AttemptEnd[], buildTimeoutMs: number): unknown {
  const stuck = ends.filter((e): e is Extract<AttemptEnd, { kind: 'stuck' }> => e.kind === 'stuck');
  const last = ends.at(-1);
  if (stuck.length > 0) {
    const lastStatus = stuck.at(-1)!.status;
    return new NaverReportStuckError(task, { attempts: stuck.length, of: ends.length, buildTimeoutMs, lastStatus });
  }
  return last?.kind === 'retryable'
    ? last.error
    : new Error(`no attempt was made for ${task.reportType} ${task.statDate}`);
}

const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? '' : 's'}`;

/** "10 minutes", "1 second", "1500 ms": the unit a person reads a configured timeout in. */
export function humanDuration(ms: number): string {
  if (ms >= 60_000 && ms % 60_000 === 0) return plural(ms / 60_000, 'minute');
  if (ms >= 1_000 && ms % 1_000 === 0) return plural(ms / 1_000, 'second');
  return `${ms} ms`;
}
