import type { BlobRef } from '@reportline/contracts';
import type { LeaseDeadline } from '@reportline/lease-holder';
import {
  abortableSleep,
  interpretStatReport,
  isNaverError,
  type NaverClient,
  type StatJobOutcome,
  type StatReportJob,
} from '@reportline/naver-client';
import { type Clock, whileUnavailable } from '@reportline/platform';
import { type AttemptEnd, dayGivenUp, nextPoll, startBuildWait } from './domain/job-wait.ts';
import type { ReportTask } from './domain/plan.ts';

export interface DownloadedDay extends ReportTask {
  outcome: 'built' | 'none';
  file?: BlobRef;
}

export interface WindowDeps {
  client: Pick<NaverClient, 'createStatReport' | 'getStatReport' | 'deleteStatReport' | 'download'>;
  lease: LeaseDeadline;
  /** Measures each job's build time (monotonic). */
  clock: Pick<Clock, 'monotonicMs'>;
  /** Pauses between polls (default: a timer aborted with the lease); tests pass one that advances their clock. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** Open jobs at once; NAVER keeps 100 per customer id and evicts the oldest, so stay well below (≤ 90). */
  maxOpenJobs: number;
  pollMs: number;
  /** How long one job may stay REGIST/RUNNING/WAITING before it is deleted and re-created. */
  buildTimeoutMs: number;
  /** Jobs one day may use: re-created after it was stuck, vanished or ended in ERROR/CHANGED, then the day fails. */
  maxAttempts: number;
  recordJob(reportJobId: number): Promise<void>;
  jobDeleted(reportJobId: number): Promise<void>;
  /** Stores the file as it arrives; `content` has at least one byte. */
  storeFile(task: ReportTask, content: AsyncIterable<Uint8Array>): Promise<BlobRef>;
  /** Called once per finished day, in completion order. */
  onDay(day: DownloadedDay): Promise<void>;
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

type Polled = StatJobOutcome | { state: 'stuck'; status: string };

/** Polls one job until it is no longer pending, or until its build time is used up (see domain/job-wait.ts). */
async function awaitBuild(first: StatReportJob, deps: WindowDeps): Promise<Polled> {
  const limits = { buildTimeoutMs: deps.buildTimeoutMs, pollMs: deps.pollMs };
  const sleep = deps.sleep ?? abortableSleep;
  let wait = startBuildWait(deps.clock.monotonicMs(), limits);
  let current = first;
  for (;;) {
    const outcome = interpretStatReport(current);
    if (outcome.state !== 'pending') return outcome;
    const step = nextPoll(wait, deps.clock.monotonicMs(), limits);
    if (step.kind === 'stuck') return { state: 'stuck', status: outcome.status };
    await sleep(step.ms, deps.lease.signal);
    wait = step.wait;
    current = await deps.client.getStatReport(first.reportJobId, { signal: deps.lease.signal });
  }
}

/** Create → poll → download → delete one day's job; re-create it when NAVER lost it or did not build it in time. */
async function fetchDay(task: ReportTask, deps: WindowDeps): Promise<DownloadedDay> {
  const signal = deps.lease.signal;
  const ends: AttemptEnd[] = [];
  for (let attempt = 1; attempt <= deps.maxAttempts; attempt++) {
    const job = await deps.client.createStatReport(task.reportType, task.statDate, { signal });
    await deps.recordJob(job.reportJobId);
    try {
      const outcome = await awaitBuild(job, deps);
      if (outcome.state === 'built') {
        // A stream cannot be replayed: when storing fails because Postgres is unavailable, download it again.
        const file = await whileUnavailable(
          async () => {
            const download = await deps.client.download(outcome.downloadUrl, { signal });
            const content = await nonEmpty(
              download,
              () => new Error(`job ${job.reportJobId} is BUILT but its file is empty`),
            );
            return deps.storeFile(task, content);
          },
          { signal },
        );
        return { ...task, outcome: 'built', file };
      }
      if (outcome.state === 'none') return { ...task, outcome: 'none' };
      if (outcome.state === 'failed') throw outcome.error;
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
  throw dayGivenUp(task, ends, deps.buildTimeoutMs);
}

/**
 * A sliding window over the days: at most `maxOpenJobs` jobs exist at once and each is deleted as soon as it is
 * downloaded, instead of fixed 50-day batches. The first failure stops new work and is thrown.
 */
export async function downloadAll(tasks: readonly ReportTask[], deps: WindowDeps): Promise<DownloadedDay[]> {
  const pending = [...tasks];
  const done: DownloadedDay[] = [];
  const inFlight = new Set<Promise<void>>();
  let failure: { error: unknown } | undefined;
  const start = (task: ReportTask) => {
    const p: Promise<void> = fetchDay(task, deps)
      .then(async (day) => {
        done.push(day);
        await deps.onDay(day);
      })
      .catch((error) => {
        failure ??= { error };
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
