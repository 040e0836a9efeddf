import type { BlobRef } from '@reportline/contracts';
import type { LeaseDeadline } from '@reportline/lease-holder';
import { abortableSleep, interpretStatReport, isNaverError, type NaverClient } from '@reportline/naver-client';
import type { ReportTask } from './domain/plan.ts';

export interface DownloadedDay extends ReportTask {
  outcome: 'built' | 'none';
  file?: BlobRef;
}

export interface WindowDeps {
  client: Pick<NaverClient, 'createStatReport' | 'getStatReport' | 'deleteStatReport' | 'download'>;
  lease: LeaseDeadline;
  /** Open jobs at once; NAVER keeps 100 per customer id and evicts the oldest, so stay well below (≤ 90). */
  maxOpenJobs: number;
  pollMs: number;
  /** How often one day's job may be re-created after it vanished or ended in ERROR/CHANGED. */
  maxAttempts: number;
  recordJob(reportJobId: number): Promise<void>;
  jobDeleted(reportJobId: number): Promise<void>;
  storeFile(task: ReportTask, content: Buffer): Promise<BlobRef>;
  /** Called once per finished day, in completion order. */
  onDay(day: DownloadedDay): Promise<void>;
}

async function readAll(stream: ReadableStream<Uint8Array>): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** Create → poll → download → delete one day's job; re-create it when NAVER lost it. */
async function fetchDay(task: ReportTask, deps: WindowDeps): Promise<DownloadedDay> {
  const signal = deps.lease.signal;
  let lastError: unknown;
  for (let attempt = 1; attempt <= deps.maxAttempts; attempt++) {
    const job = await deps.client.createStatReport(task.reportType, task.statDate, { signal });
    await deps.recordJob(job.reportJobId);
    try {
      let current = job;
      let wait = Math.min(250, deps.pollMs);
      for (;;) {
        const outcome = interpretStatReport(current);
        if (outcome.state === 'built') {
          const content = await readAll(await deps.client.download(outcome.downloadUrl, { signal }));
          // NAVER never sends an empty BUILT file; an empty one is a lost report, not "no data" (the seeds' empty sheet).
          if (content.length === 0) throw new Error(`job ${job.reportJobId} is BUILT but its file is empty`);
          return { ...task, outcome: 'built', file: await deps.storeFile(task, content) };
        }
        if (outcome.state === 'none') return { ...task, outcome: 'none' };
        if (outcome.state === 'failed') throw outcome.error;
        await abortableSleep(wait, signal);
        wait = Math.min(wait * 2, deps.pollMs);
        current = await deps.client.getStatReport(job.reportJobId, { signal });
      }
    } catch (error) {
      // The client retries only 429s; a vanished job, an ERROR/CHANGED job or a 5xx is worth a fresh job here.
      const retry = isNaverError(error, 'job-vanished') || isNaverError(error, 'transient');
      if (!retry) throw error;
      lastError = error;
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
  throw lastError;
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
