// The calendar of a chaos run over several simulated KST days, as pure rules: which day each import request and fault
// belongs to, when the clock is set each day, and whether every connection got its one daily run per day. The harness
// (run.ts) carries them out; the rules share no code with the scheduler's (their own KST arithmetic), so a scheduler
// bug in the same arithmetic cannot hide itself.

const KST_MS = 9 * 3_600_000;
const DAY_MS = 86_400_000;

/** KST wall-clock times of a simulated day. */
export const CALENDAR = {
  /** The simulated clock starts here, an hour of slack for the cluster to start before the set-up. */
  start: '05:00',
  /** Connections are made (and their first-link imports run) before the day's schedule time, so day 1 has a run. */
  setUp: '06:00',
  /** Every connection's daily run (the scheduler's default time; tenant 0 sets it explicitly). */
  schedule: '06:30',
  /** NAVER has yesterday's reports from this hour (the simulator's and the fetcher's default). */
  dataReadyHour: 6,
  /** Where the clock is set each day: after the schedule time and the data-ready hour, so the runs start at once. */
  morning: '06:45',
} as const;

/** The instant of KST wall-clock time `hhmm` on KST day `day` (Korea keeps UTC+9 all year). */
export const kstInstantMs = (day: string, hhmm: string): number => Date.parse(`${day}T${hhmm}:00+09:00`);

/** The KST calendar day of an instant. */
export const kstDayOf = (ms: number): string => new Date(ms + KST_MS).toISOString().slice(0, 10);

export const addDays = (day: string, n: number): string =>
  new Date(Date.parse(`${day}T00:00:00Z`) + n * DAY_MS).toISOString().slice(0, 10);

/**
 * The first simulated day: the first KST day whose start time is still ahead of `realNowMs`, so the simulated clock
 * starts at or ahead of the real one (never behind the times Postgres and Kafka stamp) and only moves forward.
 */
export function firstDay(realNowMs: number): string {
  const today = kstDayOf(realNowMs);
  return kstInstantMs(today, CALENDAR.start) >= realNowMs ? today : addDays(today, 1);
}

export interface DayShare {
  /** 0-based day of the run. */
  index: number;
  day: string;
  /** The import requests `fromImport` ≤ k < `toImport` are this day's. */
  fromImport: number;
  toImport: number;
}

/**
 * The days of a run and each one's share of the `imports` requests: as even as whole requests allow, earlier days
 * taking the remainder. Faults are scheduled by request count (faults.ts atImport), so a fault belongs to the day of
 * its request: see `dayOfImport`.
 */
export function dayPlan(o: { first: string; days: number; imports: number }): DayShare[] {
  // Day i takes ⌊imports / days⌋, one more while the remainder lasts: day i ends after i + 1 such shares.
  const base = Math.floor(o.imports / o.days);
  const extra = o.imports % o.days;
  const end = (i: number) => (i + 1) * base + Math.min(i + 1, extra);
  return Array.from({ length: o.days }, (_, index) => ({
    index,
    day: addDays(o.first, index),
    fromImport: index === 0 ? 0 : end(index - 1),
    toImport: end(index),
  }));
}

/** The index of the day an import request (or a fault at it) belongs to; past the end: the last day. */
export function dayOfImport(plan: readonly DayShare[], k: number): number {
  const i = plan.findIndex((d) => k >= d.fromImport && k < d.toImport);
  return i === -1 ? plan.length - 1 : i;
}

/** A scheduled import as the harness saw it requested (its ImportRequested event). */
export interface ScheduledRequest {
  importId: string;
  connectionId: string;
  dateRange: { from: string; to: string };
  /** It ended failed: a run whose import failed for a passing reason requests its whole window again. */
  failed?: boolean;
}

export interface RunCheck {
  /** Daily runs seen per simulated day (over all connections). */
  byDay: Record<string, number>;
  /** Re-requests of a run's pending dates, or of its window after a failure: not runs of their own. */
  retries: number;
  /** A connection with no run, or more than one, on a day: one line each. */
  violations: string[];
}

/**
 * Each connection must get exactly one daily run per simulated day. The run of KST day D asks for the connection's
 * whole history window ending yesterday, D−1 (D−historyDays … D−1); a re-request of its pending dates asks for fewer
 * and is counted as a retry, and so is the whole window asked again right after that day's import failed (the
 * scheduler's retry of a passing failure). `requests` are in the order they were made; `days` are the simulated
 * days whose mornings the clock was set to.
 */
export function checkDailyRuns(o: {
  days: readonly string[];
  connections: readonly { id: string; historyDays: number }[];
  requests: readonly ScheduledRequest[];
}): RunCheck {
  const byDay: Record<string, number> = Object.fromEntries(o.days.map((d) => [d, 0]));
  const runs = new Map<string, { importId: string; failed: boolean }[]>();
  let retries = 0;
  const history = new Map(o.connections.map((c) => [c.id, c.historyDays]));
  const violations: string[] = [];
  for (const r of o.requests) {
    const days = history.get(r.connectionId);
    if (days === undefined) continue;
    const day = addDays(r.dateRange.to, 1);
    if (r.dateRange.from !== addDays(r.dateRange.to, 1 - days)) {
      retries++;
      continue;
    }
    if (!(day in byDay)) {
      violations.push(`daily run of ${r.connectionId} for ${day}, not a simulated day (import ${r.importId})`);
      continue;
    }
    byDay[day]!++;
    const key = `${r.connectionId} ${day}`;
    const seen = runs.get(key) ?? [];
    if (seen.at(-1)?.failed) {
      retries++;
      byDay[day]!--;
      seen[seen.length - 1] = { importId: r.importId, failed: r.failed === true };
    } else seen.push({ importId: r.importId, failed: r.failed === true });
    runs.set(key, seen);
  }
  for (const c of o.connections) {
    for (const day of o.days) {
      const ids = (runs.get(`${c.id} ${day}`) ?? []).map((x) => x.importId);
      if (ids.length === 0) violations.push(`missed daily run: connection ${c.id} on ${day}`);
      if (ids.length > 1) violations.push(`doubled daily run: connection ${c.id} on ${day}: ${ids.join(', ')}`);
    }
  }
  return { byDay, retries, violations };
}
