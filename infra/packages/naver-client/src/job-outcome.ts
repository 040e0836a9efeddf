import { NaverError } from './errors.ts';
import type { StatReportJob } from './schemas.ts';

/**
 * What a polled stat-report job means for the caller:
 * - pending: keep polling (REGIST, RUNNING, WAITING — jobs have sat in REGIST for hours during incidents);
 * - built: download `downloadUrl` verbatim;
 * - none: the day has no metrics (not a failure; an early NONE for yesterday may become BUILT later, #1243);
 * - failed: `error.kind` is `transient` (ERROR: re-create the job; CHANGED: metrics restated, re-create) or
 *   `not-ready` (AGGREGATING: the day is not aggregated yet, retry later) or `unexpected` (unknown status).
 */
export type StatJobOutcome =
  | { state: 'pending'; status: string }
  | { state: 'built'; status: string; downloadUrl: string }
  | { state: 'none'; status: string }
  | { state: 'failed'; status: string; error: NaverError };

export function interpretStatReport(job: StatReportJob): StatJobOutcome {
  const endpoint = `GET /stat-reports/${job.reportJobId}`;
  const failed = (kind: NaverError['kind'], why: string): StatJobOutcome => ({
    state: 'failed',
    status: job.status,
    error: new NaverError(kind, `NAVER job ${job.reportJobId} (${job.reportTp}) ${why}`, {
      endpoint,
      naverCode: job.status,
    }),
  });
  switch (job.status) {
    case 'REGIST':
    case 'RUNNING':
    case 'WAITING':
      return { state: 'pending', status: job.status };
    case 'BUILT':
      return job.downloadUrl
        ? { state: 'built', status: job.status, downloadUrl: job.downloadUrl }
        : failed('transient', 'is BUILT without a downloadUrl');
    case 'NONE':
      return { state: 'none', status: job.status };
    case 'ERROR':
      return failed('transient', 'ended in status ERROR; re-create it');
    case 'AGGREGATING':
      return failed('not-ready', 'is AGGREGATING: the day is not aggregated yet');
    case 'CHANGED':
      return failed('transient', 'is CHANGED: metrics were restated; re-create it');
    default:
      return failed('unexpected', `has unknown status ${JSON.stringify(job.status.slice(0, 40))}`);
  }
}
