import type { RunningSimulator } from '@reportline/naver-simulator';
import type { Clock } from '@reportline/platform';

// Helpers for e2e tests that play several KST days on one wall clock shared by every service and the NAVER simulator.

const KST = 9 * 3_600_000;

/** An instant of a KST day, e.g. kstInstant('2026-10-01', '06:45') for 06:45 KST. */
export const kstInstant = (date: string, hhmm: string) => new Date(Date.parse(`${date}T${hhmm}:00Z`) - KST);

/** `date` (YYYY-MM-DD) plus `days`. */
export const plusDays = (date: string, days: number) =>
  new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

/** A wall clock set forward between KST mornings; it runs on in real time meanwhile, durations stay monotonic. */
export function steppedClock(start: Date): Clock & { set(at: Date): void } {
  let offset = start.getTime() - Date.now();
  return {
    now: () => new Date(Date.now() + offset),
    monotonicMs: () => performance.now(),
    set(at) {
      if (at.getTime() < Date.now() + offset)
        throw new Error(`the clock only moves forward (asked for ${at.toISOString()})`);
      offset = at.getTime() - Date.now();
    },
  };
}

/** One JSON call with `token` as bearer; a failed or non-JSON answer comes back as its status with an empty body. */
export async function callAs(token: string | null, method: string, url: string, body?: unknown) {
  try {
    const res = await fetch(url, {
      method,
      headers: {
        ...(body ? { 'content-type': 'application/json' } : {}),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
    });
    // biome-ignore lint/suspicious/noExplicitAny: assertions read these JSON answers field by field
    return { status: res.status, body: (await res.json().catch(() => ({}))) as Record<string, any> };
  } catch {
    return { status: 0, body: {} };
  }
}

export interface CreatedStatJob {
  customerId: string;
  reportTp: string;
  statDate: string;
  revision: number;
  /** The simulator's clock at creation. */
  createdMs: number;
}

/**
 * NAVER's own record of every stat-report job made: the simulator's job pool forgets jobs once they are deleted, so
 * its `add` is wrapped to journal each job as it enters the pool (what NAVER did, not what the fetcher says it did).
 */
export function journalStatJobs(naver: RunningSimulator): CreatedStatJob[] {
  const journal: CreatedStatJob[] = [];
  const pool = naver.state.stat;
  const add = pool.add.bind(pool);
  pool.add = (job, limit) => {
    journal.push({
      customerId: job.customerId,
      reportTp: job.reportTp,
      statDate: job.statDate,
      revision: job.revision,
      createdMs: job.createdMs,
    });
    return add(job, limit);
  };
  return journal;
}

/**
 * Lease holds that overlap in time: each hold against every hold granted before it (the latest end so far), so a long
 * hold spanning several later ones is caught too. A hold not ended yet overlaps whatever comes after it.
 */
export function overlappingHolds(
  history: { importId: string; grantedAt: string; endedAt: string | null }[],
): { first: string; second: string }[] {
  const holds = [...history].sort((a, b) => Date.parse(a.grantedAt) - Date.parse(b.grantedAt));
  const overlaps: { first: string; second: string }[] = [];
  let latest: { importId: string; endMs: number } | undefined;
  for (const hold of holds) {
    if (latest && latest.endMs > Date.parse(hold.grantedAt)) {
      overlaps.push({ first: latest.importId, second: hold.importId });
    }
    const endMs = hold.endedAt === null ? Number.POSITIVE_INFINITY : Date.parse(hold.endedAt);
    if (!latest || endMs > latest.endMs) latest = { importId: hold.importId, endMs };
  }
  return overlaps;
}
