// The verdict of a chaos run, from an oracle that shares no code with the services: every import's end as the
// scheduler reports it against the documented bound, the fake's tabs read directly against the simulator's data
// generator (oracle.ts), one daily run per connection and day (days.ts), the NAVER simulator's overlap checker and
// request log, and the cluster's record of crashed instances.
import type { EventTap } from '@reportline/dev/event-tap';
import type { Cluster } from './cluster.ts';
import { addDays, checkDailyRuns, type ScheduledRequest } from './days.ts';
import { FOREIGN_TOOL } from './foreign-tool.ts';
import { checkTab, nameInstants, unexplainedPending } from './oracle.ts';
import { type Connection, ended, endedAt, type ImportView, kstDay } from './workload.ts';

export interface ChaosResult {
  imports: number;
  completed: number;
  failed: number;
  failedReasons: Record<string, number>;
  lost: number;
  stuck: number;
  overlaps: number;
  mismatches: number;
  duplicates: number;
  faults: Record<string, number>;
  seed: number;
  requested: number;
  rejected: number;
  rejectedReasons: Record<string, number>;
  /**
   * Answers that blame the user's credentials although every credential here is valid at the simulator (a fault
   * made the check fail): a reason, but the wrong one to act on. Listed in `warnings`, not in the exit criteria.
   */
  misleading: number;
  warnings: string[];
  byTrigger: Record<string, number>;
  /** Simulated days, and the daily runs seen on each (every connection should have one a day). */
  days: number;
  scheduledByDay: Record<string, number>;
  /** Connection-days without exactly one daily run: missed or doubled (in `details`). */
  dailyRuns: number;
  /** Service instances that exited on their own (the cluster restarted them): no fault may crash a service. */
  crashes: number;
  unattributed: number;
  reasonless: number;
  faultsSkipped: number;
  seconds: number;
  /** What each violation was, for a person: which import, which sheet, which date. */
  details: string[];
  /** Requests another tool on the same customer ids sent (foreign faults): NAVER's, but no lease's. */
  foreignRequests: number;
  /** Reportline's NAVER requests answered 404 (a job deleted or evicted under it by that tool). */
  vanishedAnswers: number;
  /** Dates completed imports left pending (NAVER not ready); only yesterday may be, under the run's knobs. */
  pendingDates: number;
}

/** How often the scheduler sweeps for overdue imports in a run (its IMPORT_SWEEP_MS): part of the bound. */
export const SWEEP_MS = 2_000;
// What a person cannot act on: no code, or one that only says something went wrong.
const VAGUE = new Set(['', 'unknown', 'internal', 'error', 'internal-error']);

export interface Tracked {
  importId: string;
  connection: Connection;
  trigger: string;
  dates?: string[];
  view?: ImportView;
}

/** What the run's ImportRequested events say of each import (the tap sees every one, first-link and daily runs too). */
export function requestsSeen(
  tap: EventTap,
): Map<string, { trigger: string; connectionId: string; from: string; to: string }> {
  const seen = new Map<string, { trigger: string; connectionId: string; from: string; to: string }>();
  for (const e of tap.events) {
    if (e.type !== 'ImportRequested' || seen.has(e.importId)) continue;
    const { trigger, connectionId, dateRange } = e.data;
    seen.set(e.importId, { trigger, connectionId, from: dateRange.from, to: dateRange.to });
  }
  return seen;
}

export async function verdict(
  cluster: Cluster,
  o: { seed: number; imports: number },
  r: {
    tracked: Map<string, Tracked>;
    connections: Connection[];
    rejections: { status: number; type: string; title: string }[];
    lifetimeMs: number;
    faultCounts: Record<string, number>;
    faultsSkipped: number;
    t0: number;
    tap: EventTap;
    /** The simulated days whose mornings the clock was set to. */
    days: string[];
    /** The simulated clock's span over the run, from the set-up on. */
    simulated: [number, number];
  },
): Promise<ChaosResult> {
  const details: string[] = [];
  const failedReasons: Record<string, number> = {};
  const byTrigger: Record<string, number> = {};
  let completed = 0;
  let failed = 0;
  let lost = 0;
  let stuck = 0;
  let reasonless = 0;
  let mismatches = 0;
  let duplicates = 0;
  let pendingDates = 0;
  // The scheduler ends an overdue import at its next sweep: the bound is the lifetime plus one sweep and some slack
  // for this slow machine's event loops.
  const bound = r.lifetimeMs + 2 * SWEEP_MS + 5_000;
  const required = new Map<string, Set<string>>();
  const recorded = cluster.naver.recorder.requests();
  // Imports whose own creates NAVER refused with 20007 (its HTTP 400 here: the run asks for no date NAVER would
  // answer 10004 or 11001), by the X-Reportline-Origin `${importId}#${fencingToken}` each lease sends.
  const notReadyAnswers = new Set(
    recorded
      .filter((x) => x.method === 'POST' && x.path === '/stat-reports' && x.status === 400 && x.origin !== null)
      .map((x) => x.origin!.split('#')[0]!),
  );
  // Over several days a tab's history window moves on: a date written on day 1 may be trimmed by a later import whose
  // newest date is past its window (the writer keeps historyDays days ending at the import's newest date). Per
  // connection, the window's start can be no later than the latest request's `to` − historyDays + 1; a date before
  // it may rightly be gone, so it is not required (if present, it is still checked against NAVER).
  const windowStart = new Map<string, string>();
  for (const t of r.tracked.values()) {
    const newest = t.dates?.at(-1);
    if (!newest) continue;
    const start = addDays(newest, 1 - t.connection.historyDays);
    const had = windowStart.get(t.connection.id);
    if (!had || start > had) windowStart.set(t.connection.id, start);
  }
  for (const t of r.tracked.values()) {
    byTrigger[t.trigger] = (byTrigger[t.trigger] ?? 0) + 1;
    const v = t.view;
    if (!ended(v)) {
      lost++;
      stuck++;
      details.push(`lost: import ${t.importId} (${t.trigger}) never ended; last status ${v?.status ?? 'unknown'}`);
      continue;
    }
    const requestedAt = v!.requestedAt ? Date.parse(v!.requestedAt) : Number.NaN;
    const took = (endedAt(v!) ?? Number.NaN) - requestedAt;
    if (!(took <= bound)) {
      stuck++;
      details.push(`stuck: import ${t.importId} ended after ${Math.round(took / 1000)} s (bound ${bound / 1000} s)`);
    }
    if (v!.status === 'failed') {
      failed++;
      const f = v!.failure;
      const key = f ? `${f.stage}:${f.code}` : 'none';
      failedReasons[key] = (failedReasons[key] ?? 0) + 1;
      if (!f || VAGUE.has(f.code) || f.message.trim() === '') {
        reasonless++;
        details.push(`reasonless failure: import ${t.importId}: ${JSON.stringify(f)}`);
      }
      continue;
    }
    completed++;
    const sheet = v!.sheet;
    const dates = required.get(t.connection.id) ?? new Set<string>();
    required.set(t.connection.id, dates);
    for (const d of [...(sheet?.writtenDates ?? []), ...(sheet?.skippedDates ?? [])]) dates.add(d);
    // A completed import must account for every date it was asked for: written, skipped as older, pending, trimmed.
    const accounted = new Set([
      ...(sheet?.writtenDates ?? []),
      ...(sheet?.skippedDates ?? []),
      ...(sheet?.pendingDates ?? []),
      ...(sheet?.trimmedDates ?? []),
      ...v!.pending.map((p) => p.statDate),
    ]);
    const missing = (t.dates ?? []).filter((d) => !accounted.has(d));
    if (missing.length > 0) {
      mismatches++;
      details.push(`mismatch: import ${t.importId} completed without writing ${missing.join(', ')}`);
    }
    const pendingNow = new Set([...(sheet?.pendingDates ?? []), ...v!.pending.map((p) => p.statDate)]);
    pendingDates += pendingNow.size;
    // Yesterday as of the import's own instants, on the run's clock (simulated or not).
    const instants = [requestedAt, endedAt(v!) ?? Number.NaN].filter(Number.isFinite);
    const yesterdays = new Set(instants.map((at) => kstDay(-1, at)));
    // Not ready: NAVER's 20007 to this import, or a NONE the fetcher took for "not aggregated yet" before its
    // data-ready hour (early-none; the simulated mornings start at that hour, a service's clock may trail it).
    const earlyNone = v!.pending.some((p) => (p as { code?: string }).code === 'early-none');
    const refused = notReadyAnswers.has(t.importId) || earlyNone;
    const unexplained = unexplainedPending(pendingNow, { yesterdays, refused });
    if (unexplained.length > 0) {
      mismatches++;
      details.push(`mismatch: import ${t.importId} left ${unexplained.join(', ')} pending, NAVER ready with them`);
    }
  }
  const rejectedReasons: Record<string, number> = {};
  const warnings: string[] = [];
  for (const x of r.rejections) {
    const key = `${x.status}:${x.type.split(':').at(-1)}`;
    rejectedReasons[key] = (rejectedReasons[key] ?? 0) + 1;
    if (x.type.endsWith('connection-unhealthy'))
      warnings.push(`misleading rejection (credentials are valid): ${x.title}`);
  }
  for (const c of r.connections) {
    const tab = cluster.sheets.state.readTab(c.spreadsheetId, c.sheetName);
    const from = windowStart.get(c.id) ?? '';
    const must = [...(required.get(c.id) ?? [])].filter((d) => d >= from);
    const namesAt = nameInstants(c.customer, r.simulated[0], r.simulated[1]);
    const verdict = checkTab(c.customer, tab as never, must, namesAt);
    mismatches += verdict.mismatches.length;
    duplicates += verdict.duplicates;
    for (const d of verdict.mismatches) details.push(`mismatch: ${c.spreadsheetId} '${c.sheetName}' date ${d}`);
    if (verdict.duplicates > 0) details.push(`duplicates: ${verdict.duplicates} rows in ${c.spreadsheetId}`);
    // The user's tab is never deleted or re-created: its sheetId survives every import.
    const tabInfo = cluster.sheets.state.listTabs(c.spreadsheetId).find((x) => x.title === c.sheetName);
    if (tabInfo?.sheetId !== c.sheetId) {
      mismatches++;
      details.push(`mismatch: tab '${c.sheetName}' of ${c.spreadsheetId} re-created (sheetId ${tabInfo?.sheetId})`);
    }
  }
  // One daily run per connection and simulated day, told apart from re-requests of pending dates by its range.
  const scheduled: ScheduledRequest[] = [...requestsSeen(r.tap)]
    .filter(([, x]) => x.trigger === 'scheduled')
    .map(([importId, x]) => ({
      importId,
      connectionId: x.connectionId,
      dateRange: { from: x.from, to: x.to },
      failed: r.tracked.get(importId)?.view?.status === 'failed',
    }));
  const runs = checkDailyRuns({ days: r.days, connections: r.connections, requests: scheduled });
  details.push(...runs.violations);
  const res = await fetch(`${cluster.naver.url}/_sim/overlaps`);
  const oracle = (await res.json()) as { overlaps: unknown[]; unattributed: number };
  const foreignRequests = recorded.filter((x) => x.foreign === FOREIGN_TOOL).length;
  const vanishedAnswers = recorded.filter((x) => x.foreign === null && x.status === 404).length;
  for (const x of oracle.overlaps.slice(0, 20)) details.push(`overlap: ${JSON.stringify(x)}`);
  for (const c of cluster.crashes) details.push(`crash: ${c.service}#${c.index} exited (${c.exit}) at ${c.at}`);
  return {
    imports: r.tracked.size,
    completed,
    failed,
    failedReasons,
    lost,
    stuck,
    overlaps: oracle.overlaps.length,
    mismatches,
    duplicates,
    faults: r.faultCounts,
    seed: o.seed,
    requested: o.imports,
    rejected: r.rejections.length,
    rejectedReasons,
    misleading: warnings.length,
    warnings,
    byTrigger,
    days: r.days.length,
    scheduledByDay: runs.byDay,
    dailyRuns: runs.violations.length,
    crashes: cluster.crashes.length,
    unattributed: oracle.unattributed,
    reasonless,
    faultsSkipped: r.faultsSkipped,
    seconds: Math.round((Date.now() - r.t0) / 1000),
    details,
    foreignRequests,
    vanishedAnswers,
    pendingDates,
  };
}

/** The run's exit criteria (issue 14). */
export const passed = (r: ChaosResult) =>
  r.lost === 0 &&
  r.stuck === 0 &&
  r.overlaps === 0 &&
  r.mismatches === 0 &&
  r.duplicates === 0 &&
  r.reasonless === 0 &&
  r.dailyRuns === 0 &&
  r.crashes === 0;
