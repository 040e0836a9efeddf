import type { BlobRef } from '@reportline/contracts';
import type { LeaseDeadline } from '@reportline/lease-holder';
import {
  abortableSleep,
  interpretStatReport,
  isNaverError,
  type NaverClient,
  type StatJobOutcome,
  type StatReportJob,
  statDtToKstDate,
} from '@reportline/naver-client';
import { type Clock, whileUnavailable } from '@reportline/platform';
import { type BuildEstimate, initialBuildEstimate, observeBuild } from './domain/build-estimate.ts';
import { type AttemptEnd, dayGivenUp, nextPoll, startBuildWait } from './domain/job-wait.ts';
import type { DayResult, ReportTask } from './domain/plan.ts';

export interface WindowDeps {
  client: Pick<NaverClient, 'createStatReport' | 'getStatReport' | 'deleteStatReport' | 'listStatReports' | 'download'>;
  lease: LeaseDeadline;
  /** Measures each job's build time (monotonic) and dates generations (wall clock). */
  clock: Pick<Clock, 'monotonicMs' | 'now'>;
  /** Pauses between polls (default: a timer aborted with the lease); tests pass one that advances their clock. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** Open jobs at once; NAVER keeps 100 per customer id and evicts the oldest, so stay well below (≤ 90). */
  maxOpenJobs: number;
  pollMs: number;
  /** How long one job may stay REGIST/RUNNING/WAITING before it is deleted and re-created. */
  buildTimeoutMs: number;
  /** Jobs one day may use: re-created after it was stuck, vanished or ended in ERROR/CHANGED, then the day fails. */
  maxAttempts: number;
  /** Tries of one create that answered 5xx or timed out, each after looking for the job NAVER may have made. */
  createTries: number;
  /** Learnt build time per report type (see domain/build-estimate.ts). */
  buildTime: BuildTimes;
  /** NONE for this date now means "not aggregated yet" (yesterday before NAVER's data-ready hour). */
  isEarlyNone(task: ReportTask): boolean;
  /** Records a job as ours before anything else happens to it, so it is deleted even after a crash. */
  recordJob(reportJobId: number): Promise<void>;
  jobDeleted(reportJobId: number): Promise<void>;
  /** Whether a job id is one of ours already (tracked): never adopted twice. */
  isOurJob(reportJobId: number): boolean;
  /** Stores the file as it arrives; `content` has at least one byte. */
  storeFile(task: ReportTask, content: AsyncIterable<Uint8Array>, generatedAt: string): Promise<BlobRef>;
  /** Called once per finished day, in completion order (commit the calendar entry here). */
  onDay(task: ReportTask, result: DayResult): Promise<void>;
  /** Called for the day that failed, before the window stops. */
  onDayFailed?(task: ReportTask, error: unknown): Promise<void>;
}

export interface BuildTimes {
  expectedMs(reportType: string): number;
  observe(reportType: string, seen: { builtAfterMs: number; polls: number }): void;
}

/** A mutable holder of build estimates per report type, for one process. */
export function buildTimes(maxMs: number): BuildTimes {
  const byType = new Map<string, BuildEstimate>();
  return {
    expectedMs: (t) => (byType.get(t) ?? initialBuildEstimate()).ms,
    observe: (t, seen) => byType.set(t, observeBuild(byType.get(t) ?? initialBuildEstimate(), seen, maxMs)),
  };
}

/** Counts data lines (every line ends in \n; NAVER never omits the last one) while passing the bytes on. */
async function* countingLines(content: AsyncIterable<Uint8Array>, count: { lines: number }) {
  for await (const chunk of content) {
    for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) count.lines++;
    yield chunk;
  }
}

/**
 * Reads ahead to the stream's first byte and hands back the whole stream, or throws `empty()` when it has none: NAVER
 * never sends an empty BUILT file, an empty one is a lost report, not "no data" (the seeds' empty sheet). Checked
 * before storing, so an empty file leaves nothing behind.
 */
async function nonEmpty(stream: ReadableStream<Uint8Array>, empty: () => Error): Promise<AsyncIterable<Uint8Array>> {
  const reader = stream.getReader();
  let first: Uint8Array | undefined;
  while (!first) {
    const { done, value } = await reader.read();
    if (done) throw empty();
    if (value.length > 0) first = value;
  }
  const head = first;
  return (async function* () {
    let finished = false;
    try {
      yield head;
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        yield value;
      }
      finished = true;
    } finally {
      // Stopped early (the store failed): close the download instead of leaving its connection open.
      if (!finished) await reader.cancel().catch(() => {});
    }
  })();
}

type Polled = (StatJobOutcome | { state: 'stuck'; status: string }) & { builtAfterMs: number; polls: number };

/** Polls one job until it is no longer pending, or until its build time is used up (see domain/job-wait.ts). */
async function awaitBuild(first: StatReportJob, task: ReportTask, deps: WindowDeps): Promise<Polled> {
  const limits = { buildTimeoutMs: deps.buildTimeoutMs, pollMs: deps.pollMs };
  const sleep = deps.sleep ?? abortableSleep;
  const startedAt = deps.clock.monotonicMs();
  let wait = startBuildWait(startedAt, limits, deps.buildTime.expectedMs(task.reportType));
  let current = first;
  let polls = 0;
  for (;;) {
    const outcome = interpretStatReport(current);
    const seen = { builtAfterMs: deps.clock.monotonicMs() - startedAt, polls };
    if (outcome.state !== 'pending') {
      if (polls > 0) deps.buildTime.observe(task.reportType, seen);
      return { ...outcome, ...seen };
    }
    const step = nextPoll(wait, deps.clock.monotonicMs(), limits);
    if (step.kind === 'stuck') return { state: 'stuck', status: outcome.status, ...seen };
    await sleep(step.ms, deps.lease.signal);
    wait = step.wait;
    polls++;
    current = await deps.client.getStatReport(first.reportJobId, { signal: deps.lease.signal });
  }
}

/** How long before a create was sent a job NAVER lists may have been registered and still be that create's. */
const ADOPT_SKEW_MS = 60_000;

/**
 * Creates the day's job. A create that answered 5xx or timed out may still have made the job (NAVER applied it and
 * the answer was lost), so before creating again the customer's jobs are listed and a job for the same (type, date)
 * registered since the create was sent, and not already ours, is adopted instead: a blind second create would leave
 * an untracked job in the pool of 100. Answers that end the day without a job (20007, 10004) come back as its result.
 */
async function createJob(
  task: ReportTask,
  deps: WindowDeps,
): Promise<{ job: StatReportJob } | { ended: Extract<DayResult, { kind: 'pending' | 'clamped' }> }> {
  const signal = deps.lease.signal;
  for (let attempt = 1; ; attempt++) {
    const sentAt = deps.clock.now().getTime();
    try {
      const job = await deps.client.createStatReport(task.reportType, task.statDate, { signal });
      await deps.recordJob(job.reportJobId);
      return { job };
    } catch (error) {
      if (isNaverError(error, 'not-ready')) {
        return { ended: { kind: 'pending', code: 'not-ready', reason: notReadyReason(task, 'NAVER answered 20007') } };
      }
      if (isNaverError(error, 'out-of-look-back')) {
        const reason = `NAVER has no ${task.reportType} report for this date any more (10004: beyond its look-back)`;
        return { ended: { kind: 'clamped', reason } };
      }
      if (!isNaverError(error, 'transient') || signal.aborted) throw error;
      const adopted = (await deps.client.listStatReports({ signal }))
        .filter(
          (j) =>
            j.reportTp === task.reportType &&
            statDtToKstDate(j.statDt) === task.statDate &&
            !deps.isOurJob(j.reportJobId) &&
            (j.regTm === undefined || Date.parse(j.regTm) >= sentAt - ADOPT_SKEW_MS),
        )
        .sort((a, b) => (b.regTm ?? '').localeCompare(a.regTm ?? '') || b.reportJobId - a.reportJobId)[0];
      if (adopted) {
        await deps.recordJob(adopted.reportJobId);
        return { job: adopted };
      }
      if (attempt >= deps.createTries) throw error;
    }
  }
}

const notReadyReason = (task: ReportTask, why: string) =>
  `NAVER has not finished ${task.reportType} for ${task.statDate} yet (${why}); it is asked again later`;

/**
 * Create → poll → download → delete one day's job; re-create it when NAVER lost it, did not build it in time, or
 * answered ERROR or CHANGED. "Not ready" answers (20007, AGGREGATING, an early NONE) end the day as pending, not as a
 * failure. A NONE for a date that had rows is checked once more with a fresh job before it is believed.
 */
async function fetchDay(task: ReportTask, deps: WindowDeps): Promise<DayResult> {
  const signal = deps.lease.signal;
  const ends: AttemptEnd[] = [];
  let restated = 0;
  let noneRechecked = false;
  for (let attempt = 1; attempt <= deps.maxAttempts + (noneRechecked ? 1 : 0); attempt++) {
    const created = await createJob(task, deps);
    if ('ended' in created) return created.ended;
    const { job } = created;
    try {
      const outcome = await awaitBuild(job, task, deps);
      const generatedAt = deps.clock.now().toISOString();
      if (outcome.state === 'built') {
        // A stream cannot be replayed: when storing fails because Postgres is unavailable, download it again.
        return await whileUnavailable(
          async () => {
            const download = await deps.client.download(outcome.downloadUrl, { signal });
            const content = await nonEmpty(
              download,
              () => new Error(`job ${job.reportJobId} is BUILT but its file is empty`),
            );
            const count = { lines: 0 };
            const file = await deps.storeFile(task, countingLines(content, count), generatedAt);
            return { kind: 'built' as const, generatedAt, file, rows: count.lines };
          },
          { signal },
        );
      }
      if (outcome.state === 'none') {
        if (deps.isEarlyNone(task)) {
          return {
            kind: 'pending',
            code: 'early-none',
            reason: notReadyReason(task, 'NONE before the data-ready hour'),
          };
        }
        if (!task.hadRows || noneRechecked) return { kind: 'none', generatedAt };
        // Spurious NONEs happen (#1253): a date that had rows must say NONE twice before its rows are dropped.
        noneRechecked = true;
        continue;
      }
      if (outcome.state === 'failed') {
        if (isNaverError(outcome.error, 'not-ready')) {
          return { kind: 'pending', code: 'aggregating', reason: notReadyReason(task, 'the job ended AGGREGATING') };
        }
        if (outcome.status === 'CHANGED') restated++;
        throw outcome.error;
      }
      ends.push({ kind: 'stuck', status: outcome.status });
    } catch (error) {
      // The client retries only 429s; a vanished job, an ERROR/CHANGED job or a 5xx is worth a fresh job here.
      const retry = isNaverError(error, 'job-vanished') || isNaverError(error, 'transient');
      if (!retry) throw error;
      ends.push({ kind: 'retryable', error });
    } finally {
      // Delete only our own job, as soon as it is done with, so the pool of 100 never evicts anyone's work.
      if (!signal.aborted) {
        await deps.client.deleteStatReport(job.reportJobId, { signal }).then(
          () => deps.jobDeleted(job.reportJobId),
          () => {},
        );
      }
    }
  }
  if (restated > 0 && restated === ends.length) {
    return {
      kind: 'pending',
      code: 'restated',
      reason: `NAVER restated ${task.reportType} for ${task.statDate} (CHANGED, ${restated} times); it is asked again later`,
    };
  }
  throw dayGivenUp(task, ends, deps.buildTimeoutMs);
}

/**
 * A sliding window over the days: at most `maxOpenJobs` jobs exist at once and each is deleted as soon as it is
 * downloaded, instead of fixed 50-day batches. The first failure stops new work and is thrown.
 */
export async function downloadAll(
  tasks: readonly ReportTask[],
  deps: WindowDeps,
): Promise<{ task: ReportTask; result: DayResult }[]> {
  const pending = [...tasks];
  const done: { task: ReportTask; result: DayResult }[] = [];
  const inFlight = new Set<Promise<void>>();
  let failure: { error: unknown } | undefined;
  const start = (task: ReportTask) => {
    const p: Promise<void> = fetchDay(task, deps)
      .then(async (result) => {
        done.push({ task, result });
        await deps.onDay(task, result);
      })
      .catch(async (error) => {
        failure ??= { error };
        await deps.onDayFailed?.(task, error).catch(() => {});
      })
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
  };
  while ((pending.length > 0 && !failure) || inFlight.size > 0) {
    while (!failure && pending.length > 0 && inFlight.size < deps.maxOpenJobs) start(pending.shift()!);
    await Promise.race(inFlight);
  }
  if (failure) throw failure.error;
  return done;
}
