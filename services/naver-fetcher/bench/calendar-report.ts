// Printing of the calendar bench: one import's lease and NAVER cost, and where its lease time went.
import type { EventOfType } from '@reportline/contracts';
import { round } from '@reportline/dev/bench';
import type { RequestStats } from '@reportline/naver-simulator';

/** The simulator's rate limit the figures are measured against (requests/s per customer id). */
export const RATE_LIMIT = 10;

export interface Call {
  endpoint: string;
  startedAt: number;
  endedAt: number;
  status: number;
  origin: string | undefined;
  jobId?: number;
  built?: boolean;
}

export interface LockHold {
  importId: string;
  grantedAt: string;
  endedAt: string | null;
}

/** One import's lease and NAVER cost, from the events, the lock-service's history and the recorded calls. */
export interface Measured {
  importId: string;
  event: EventOfType<'ReportsDownloaded'> & { version: 3 };
  leased: boolean;
  leaseMs: number;
  holdMs: number | undefined;
  grantedAt: number;
  releasedAt: number;
  calls: Call[];
}

export const s = (ms: number, digits = 1) => round(ms / 1000, digits).toFixed(digits);
export const mean = (xs: number[]) => (xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length);
export const pct = (xs: number[], p: number) =>
  xs.length === 0 ? 0 : [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;

/** Sim stats delta, as a readable endpoint list. */
export function statsDelta(before: RequestStats, after: RequestStats) {
  const byEndpoint = Object.entries(after.requests.byEndpoint)
    .map(([k, v]) => [k, v - (before.requests.byEndpoint[k as keyof typeof before.requests.byEndpoint] ?? 0)] as const)
    .filter(([, v]) => v > 0);
  return {
    total: after.requests.total - before.requests.total,
    rateLimited: after.rateLimited - before.rateLimited,
    statJobsCreated: after.statJobsCreated - before.statJobsCreated,
    byEndpoint,
  };
}

export function printImport(label: string, m: Measured, delta?: ReturnType<typeof statsDelta>) {
  const d = m.event.data;
  const fromNaver = d.reports.filter((r) => r.source === 'naver').length;
  console.log(`\n${label} (import ${m.importId})`);
  console.log(
    `  reports:       ${d.reports.length} (${fromNaver} from NAVER, ${d.reports.length - fromNaver} from the store), pending ${d.pending.length}, clamped ${d.clamped.map((c) => `${c.reportType} ${c.dateRange.from}..${c.dateRange.to}`).join(', ') || 'none'}`,
  );
  if (!m.leased) {
    console.log(`  lease:         none (served from the store), naverRequests ${d.naverRequests}`);
    return;
  }
  console.log(
    `  lease:         ${s(m.leaseMs, 2)} s LockGranted → LeaseReleased (events' time); lock history hold ${m.holdMs === undefined ? 'n/a' : `${s(m.holdMs, 2)} s`} (grant → release consumed)`,
  );
  console.log(
    `  NAVER:         ${d.naverRequests} requests (fetcher's count), ${d.reportJobs} report jobs, ${m.calls.length} calls seen by the fetch hook`,
  );
  if (d.naverRequests === 0) {
    console.log('  nothing was due any more when the lease came (another lease had just fetched it)');
    return;
  }
  if (delta) {
    console.log(
      `  simulator:     ${delta.total} requests (/_sim/stats delta), ${delta.statJobsCreated} stat jobs created, ${delta.rateLimited} answered 429`,
    );
    console.log(`                 ${delta.byEndpoint.map(([k, v]) => `${k} ${v}`).join(', ')}`);
  }
  console.log(
    `  at ${RATE_LIMIT}/s:      the requests need ${s((d.naverRequests / RATE_LIMIT) * 1000, 1)} s; lease ÷ that = ${(m.leaseMs / ((d.naverRequests / RATE_LIMIT) * 1000)).toFixed(3)}`,
  );
  const refused = m.calls.filter((c) => c.status === 429).length;
  const answered = d.naverRequests - refused;
  // A 429 is counted as a request, so the ratio above flatters a run that meets many.
  console.log(
    `                 without the ${refused} requests answered 429: ${answered} requests need ${s((answered / RATE_LIMIT) * 1000, 1)} s; lease ÷ that = ${(m.leaseMs / ((answered / RATE_LIMIT) * 1000)).toFixed(3)}`,
  );
  breakdown(m);
}

/** Where the lease went: start-up, the request span and its pace, build waits, polls, 429s, the final commit. */
export function breakdown(m: Measured) {
  const c = m.calls;
  if (c.length === 0) return;
  const first = Math.min(...c.map((x) => x.startedAt));
  const last = Math.max(...c.map((x) => x.endedAt));
  const span = last - first;
  const by = new Map<string, number>();
  for (const x of c) by.set(x.endpoint, (by.get(x.endpoint) ?? 0) + 1);
  const jobs = new Map<number, { created?: number; builtSeen?: number; deleted?: number; polls: number }>();
  const job = (id: number) => jobs.get(id) ?? jobs.set(id, { polls: 0 }).get(id)!;
  for (const x of c) {
    if (x.jobId === undefined) continue;
    const j = job(x.jobId);
    if (x.endpoint === 'stat-reports.create') j.created = x.endedAt;
    if (x.endpoint === 'stat-reports.get') {
      j.polls++;
      if (x.built && j.builtSeen === undefined) j.builtSeen = x.endedAt;
    }
    if (x.endpoint === 'stat-reports.delete') j.deleted = x.endedAt;
  }
  const done = [...jobs.values()].filter((j) => j.created !== undefined && j.builtSeen !== undefined);
  const buildWait = done.map((j) => j.builtSeen! - j.created!);
  const afterBuilt = done.filter((j) => j.deleted !== undefined).map((j) => j.deleted! - j.builtSeen!);
  const lifetimes = [...jobs.values()]
    .filter((j) => j.created !== undefined && j.deleted !== undefined)
    .map((j) => j.deleted! - j.created!);
  const rateLimited = c.filter((x) => x.status === 429).length;
  // Little's law over the span: the mean number of jobs open at once.
  const openJobs = span > 0 ? lifetimes.reduce((a, b) => a + b, 0) / span : 0;
  console.log('  breakdown (fetch hook, shared wall clock):');
  console.log(
    `    grant → first NAVER request     ${s(first - m.grantedAt, 2)} s (lease start-up: claim, plan, leftovers)`,
  );
  console.log(
    `    first → last NAVER request      ${s(span, 2)} s, ${c.length} calls = ${(c.length / (span / 1000)).toFixed(2)} requests/s (limit ${RATE_LIMIT})`,
  );
  console.log(`    last NAVER request → release    ${s(m.releasedAt - last, 2)} s (commit and hand-over)`);
  console.log(`    calls by endpoint               ${[...by].map(([k, v]) => `${k} ${v}`).join(', ')}`);
  console.log(
    `    polls per job                   ${(mean([...jobs.values()].map((j) => j.polls))).toFixed(2)} (a job needs ≥ 1: create, poll, download, delete = 4 calls)`,
  );
  console.log(
    `    create → BUILT seen             mean ${s(mean(buildWait), 2)} s, p50 ${s(pct(buildWait, 50), 2)} s, p90 ${s(pct(buildWait, 90), 2)} s (simulator builds in 2.00 s)`,
  );
  console.log(`    BUILT seen → deleted            mean ${s(mean(afterBuilt), 2)} s (download + delete, paced)`);
  console.log(
    `    open jobs (mean over the span)  ${openJobs.toFixed(1)} of NAVER_MAX_OPEN_JOBS 20; 429s ${rateLimited}`,
  );
}

/**
 * The backfill of `conn` on day 1, fetched by a separate unpaced fetcher from a simulator with its rate limit off and
 * short builds; that fetcher is closed and the knobs restored before anything is measured.
 */
