import type { SimKnobs } from './config.ts';
import { isoSeconds, kstMidnightIso } from './kst.ts';

/** The final status a job reaches once built, decided when it is created. */
export type StatPlan = 'BUILT' | 'NONE' | 'ERROR' | 'AGGREGATING' | 'CHANGED';

export interface StatJob {
  reportJobId: number;
  customerId: string;
  reportTp: string;
  /** KST day `YYYY-MM-DD`. */
  statDate: string;
  createdMs: number;
  plan: StatPlan;
  waiting: boolean;
  /** Set for a job the `stuckJobs` knob matched: it never leaves this status (after REGIST). */
  stuckIn?: 'REGIST' | 'RUNNING' | 'WAITING';
  /** Restatement served by the download, fixed at creation (the `revisions` knob); 0 = first published numbers. */
  revision: number;
  /** Opaque download token (only revealed once BUILT). */
  token: string;
  loginId: string | undefined;
}

/**
 * Status as a function of the clock: REGIST for the first half of reportBuildMs, WAITING for an extra reportBuildMs
 * when the job was queued, RUNNING for the second half, then the planned final status; a stuck job stays where it
 * got stuck.
 */
export function statusAt(job: StatJob, nowMs: number, knobs: SimKnobs): string {
  const build = knobs.reportBuildMs;
  const wait = job.waiting ? build : 0;
  const elapsed = nowMs - job.createdMs;
  if (elapsed < build / 2) return 'REGIST';
  if (job.stuckIn) return job.stuckIn;
  if (elapsed < build / 2 + wait) return 'WAITING';
  if (elapsed < build + wait) return 'RUNNING';
  return job.plan === 'CHANGED' ? knobs.changedStatus : job.plan;
}

export function jobJson(job: StatJob, nowMs: number, knobs: SimKnobs, baseUrl: string): Record<string, unknown> {
  const status = statusAt(job, nowMs, knobs);
  const statDt = kstMidnightIso(job.statDate);
  const json: Record<string, unknown> = {
    reportJobId: job.reportJobId,
    statDt,
    updateTm: statDt,
    reportTp: job.reportTp,
    status,
    downloadUrl: status === 'BUILT' ? `${baseUrl}/report-download?authtoken=${job.token}&fileVersion=v2` : '',
    regTm: isoSeconds(job.createdMs),
  };
  if (job.loginId !== undefined) json.loginId = job.loginId;
  return json;
}

export type ScriptedOutcome = SimKnobs['scripted'][number]['outcome'];

/**
 * The outcome the `scripted` knob gives a create of (reportTp, statDate), using up one of the first matching entry's
 * `times`; a used-up entry is dropped, so the date behaves normally from then on.
 */
export function takeScripted(knobs: SimKnobs, reportTp: string, statDate: string): ScriptedOutcome | undefined {
  const at = knobs.scripted.findIndex((s) => s.statDate === statDate && (s.reportTp ?? reportTp) === reportTp);
  const entry = knobs.scripted[at];
  if (!entry) return undefined;
  if (entry.times !== undefined) {
    entry.times -= 1;
    if (entry.times === 0) knobs.scripted.splice(at, 1);
  }
  return entry.outcome;
}

/**
 * NAVER keeps `limit` (100) stat jobs per customer id; the next create silently evicts the oldest (#572, #1044), and a
 * DELETE without id removes every job of the customer (#1071). Jobs older than the retention also disappear.
 */
export class StatPool {
  readonly #jobs = new Map<string, StatJob[]>();

  #list(customerId: string): StatJob[] {
    let list = this.#jobs.get(customerId);
    if (!list) {
      list = [];
      this.#jobs.set(customerId, list);
    }
    return list;
  }

  /** Drops jobs past retention; returns the live jobs in creation order. */
  live(customerId: string, nowMs: number, retentionDays: number): StatJob[] {
    const list = this.#list(customerId);
    const cutoff = nowMs - retentionDays * 86_400_000;
    while (list.length > 0 && list[0]!.createdMs < cutoff) list.shift();
    return list;
  }

  /** Adds a job; returns the evicted ones (the oldest beyond `limit`). */
  add(job: StatJob, limit: number): StatJob[] {
    const list = this.#list(job.customerId);
    list.push(job);
    return list.splice(0, Math.max(0, list.length - limit));
  }

  find(customerId: string, reportJobId: number): StatJob | undefined {
    return this.#list(customerId).find((j) => j.reportJobId === reportJobId);
  }

  remove(customerId: string, reportJobId: number): boolean {
    const list = this.#list(customerId);
    const at = list.findIndex((j) => j.reportJobId === reportJobId);
    if (at === -1) return false;
    list.splice(at, 1);
    return true;
  }

  removeAll(customerId: string): number {
    const list = this.#list(customerId);
    const n = list.length;
    list.length = 0;
    return n;
  }
}
