// One chaos run: the system as child processes (cluster.ts), a seeded workload and fault schedule, then the verdict of
// an oracle that shares no code with the services: the NAVER simulator's overlap checker, the fake's tabs read
// directly against the simulator's data generator (oracle.ts), and every import's end as the scheduler reports it,
// held against the documented bound (the scheduler's IMPORT_MAX_LIFETIME_MS, enforced every IMPORT_SWEEP_MS).
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { type EventTap, eventTap } from '@reportline/dev/event-tap';
import { until } from '@reportline/dev/wait';
import { type Cluster, type Infra, type ServiceName, startCluster } from './cluster.ts';
import {
  addDays,
  CALENDAR,
  checkDailyRuns,
  dayOfImport,
  dayPlan,
  firstDay,
  kstInstantMs,
  type ScheduledRequest,
} from './days.ts';
import { type Fault, type FaultKind, faultSchedule, inject, prng, type Restarts } from './faults.ts';
import { FOREIGN_TOOL } from './foreign-tool.ts';
import { checkTab, nameInstants, unexplainedPending } from './oracle.ts';
import { CLOCK_FOLLOW_MS, type SimClock, simClock } from './sim-clock.ts';
import {
  apiRetrying,
  type Connection,
  ended,
  endedAt,
  follow,
  type ImportView,
  kstDay,
  makeCustomers,
  setUp,
} from './workload.ts';

export interface ChaosOptions {
  /** With restarts (infra.ts) the broker and Postgres faults restart them; without, those faults are skipped. */
  infra: Infra & Restarts;
  imports: number;
  faults: number;
  seed: number;
  customers: number;
  tenants?: number;
  instances?: number;
  /** Imports in flight at once. */
  concurrency?: number;
  /** The documented bound: no import lives longer than this (IMPORT_MAX_LIFETIME_MS). */
  lifetimeMs?: number;
  logDir: string;
  log?: (msg: string) => void;
  /** The Sheets quota's compression (cluster.ts sheetsTimeScale); 10 unless given. */
  sheetsTimeScale?: number;
  /** Per-service variables over the run's own (a setting under suspicion, to reproduce what it does). */
  serviceEnv?: Partial<Record<ServiceName, Record<string, string>>>;
  /** Draw faults of these kinds only (to reproduce what one kind does); every kind unless given. */
  faultKinds?: readonly FaultKind[];
  /** Simulated KST days the run spans (days.ts): each morning the connections' daily runs start; 1 unless given. */
  days?: number;
}

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

// Short, so a run meets expiries in seconds; the fetcher stops starting NAVER calls at TTL − LEASE_SAFETY_MARGIN_MS
// (8 s), which must come after its first renewal at TTL / 3 (5 s) or every lease would lapse unrenewed.
const TTL_MS = 15_000;
const SWEEP_MS = 2_000;
// What a person cannot act on: no code, or one that only says something went wrong.
const VAGUE = new Set(['', 'unknown', 'internal', 'error', 'internal-error']);

interface Tracked {
  importId: string;
  connection: Connection;
  trigger: string;
  dates?: string[];
  view?: ImportView;
}

/** What the run's ImportRequested events say of each import (the tap sees every one, first-link and daily runs too). */
function requestsSeen(tap: EventTap): Map<string, { trigger: string; connectionId: string; from: string; to: string }> {
  const seen = new Map<string, { trigger: string; connectionId: string; from: string; to: string }>();
  for (const e of tap.events) {
    if (e.type !== 'ImportRequested' || seen.has(e.importId)) continue;
    const { trigger, connectionId, dateRange } = e.data;
    seen.set(e.importId, { trigger, connectionId, from: dateRange.from, to: dateRange.to });
  }
  return seen;
}

const datesOf = (from: string, to: string) => {
  const out: string[] = [];
  for (let d = from; d <= to; d = addDays(d, 1)) out.push(d);
  return out;
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runChaos(o: ChaosOptions): Promise<ChaosResult> {
  const t0 = Date.now();
  const log = o.log ?? (() => {});
  const lifetimeMs = o.lifetimeMs ?? 180_000;
  const instances = o.instances ?? 2;
  const tenants = o.tenants ?? 3;
  const schedule = faultSchedule({
    seed: o.seed,
    imports: o.imports,
    faults: o.faults,
    instances,
    ttlMs: TTL_MS,
    ...(o.faultKinds ? { kinds: o.faultKinds } : {}),
  });
  log(`fault schedule (seed ${o.seed}): ${JSON.stringify(schedule)}`);
  const customers = makeCustomers(o.customers, o.seed);
  const plan = dayPlan({ first: firstDay(Date.now()), days: Math.max(1, o.days ?? 1), imports: o.imports });
  mkdirSync(o.logDir, { recursive: true });
  // The simulated clock starts before the set-up time, so a slow start of the cluster still sets up before it.
  const clock = simClock(resolve(o.logDir, 'clock.json'), kstInstantMs(plan[0]!.day, CALENDAR.start));
  log(
    `simulated days (KST) ${plan.map((d) => `${d.day}: imports ${d.fromImport}..${d.toImport - 1}`).join('; ')}; ` +
      `clock file ${clock.file}`,
  );
  const ready = String(CALENDAR.dataReadyHour);
  const cluster = await startCluster({
    infra: o.infra,
    instances,
    logDir: o.logDir,
    clock,
    // Every connection writes as the one default Google principal (60 writes a minute, ~3 per import): at Google's
    // pace the run would measure that quota, not the invariants.
    sheetsTimeScale: o.sheetsTimeScale ?? 10,
    naver: {
      customers,
      // NAVER's real data-ready hour: the clock is set after it each morning, so "yesterday" is ready as at NAVER.
      knobs: { reportBuildMs: 300, masterBuildMs: 300, dataReadyHourKst: CALENDAR.dataReadyHour, seed: o.seed },
    },
    serviceEnv: mergeEnv(o.serviceEnv, {
      'lock-service': {
        LEASE_TTL_MS: String(TTL_MS),
        LEASE_MAX_HOLD_MS: String(Math.max(TTL_MS, Math.round(lifetimeMs / 3))),
        // The fetcher's NAVER_TIMEOUT_MS below + the 5 s drift margin, as the defaults pair them.
        LOCK_DELAY_MS: '7000',
        LOCK_MAX_QUEUE_WAIT_MS: String(Math.round(lifetimeMs / 2)),
        TICK_MS: '200',
        KAFKA_SESSION_TIMEOUT_MS: '10000',
        KAFKA_HEARTBEAT_INTERVAL_MS: '1000',
      },
      'naver-fetcher': {
        NAVER_TIMEOUT_MS: '2000',
        LEASE_SAFETY_MARGIN_MS: '7000',
        NAVER_POLL_MS: '200',
        NAVER_BUILD_TIMEOUT_MS: '30000',
        NAVER_DATA_READY_HOUR_KST: ready,
        // A date of NAVER's restatement window (yesterday, the day before) is asked again once its last answer is this
        // old: 30 minutes by default, longer than a run, which would serve yesterday from the store after its first
        // fetch and leave a not-ready burst (yesterdayNotReady) nothing to answer.
        CALENDAR_FRESH_MS: '20000',
      },
      scheduler: {
        IMPORT_SWEEP_MS: String(SWEEP_MS),
        IMPORT_QUEUE_ACK_MS: String(Math.round(lifetimeMs / 3)),
        IMPORT_STALL_MS: String(Math.round(lifetimeMs / 2)),
        IMPORT_MAX_LIFETIME_MS: String(lifetimeMs),
        SCHEDULE_TICK_MS: '2000',
        SCHEDULE_FAILED_RETRY_MS: '5000',
      },
    }),
  });
  log(`cluster up in ${((Date.now() - t0) / 1000).toFixed(1)} s: ${cluster.instances.length} service processes`);
  const tap = await eventTap(o.infra.kafkaBrokers, o.infra.topicPrefix).catch(async (err) => {
    await cluster.close();
    throw err;
  });
  const faultsDone: Promise<unknown>[] = [];
  const faultCounts: Record<string, number> = {};
  let faultsSkipped = 0;
  try {
    const historyDays = 7;
    const setUpAt = kstInstantMs(plan[0]!.day, CALENDAR.setUp);
    if (clock.now() > kstInstantMs(plan[0]!.day, CALENDAR.schedule))
      throw new Error('the cluster took so long to start that the first simulated day missed its schedule time');
    if (clock.now() < setUpAt) await stepWhenQuiet(cluster, clock, customers, setUpAt, log);
    const connections = await setUp(cluster, customers, tenants, {
      historyDays,
      scheduleTime: CALENDAR.schedule,
      now: clock.now,
    });
    log(`${connections.length} connections over ${customers.length} customer ids, ${tenants} tenants`);

    const random = prng(o.seed ^ 0x5eed);
    const tracked = new Map<string, Tracked>();
    const rejections: { status: number; type: string; title: string }[] = [];
    const deadline = () => Date.now() + lifetimeMs + 4 * SWEEP_MS;
    const fire = (f: Fault) =>
      faultsDone.push(
        (async () => {
          await sleep(f.delayMs);
          const key = f.kind === 'kill' || f.kind === 'stop' ? `${f.kind}:${f.service}` : f.kind;
          const done = await inject(cluster, tap, f, log, o.infra).catch((err) => {
            log(`fault failed: ${err}`);
            return false;
          });
          if (done) {
            faultCounts[key] = (faultCounts[key] ?? 0) + 1;
          } else faultsSkipped++;
        })(),
      );
    /**
     * Every import the run has, ended: the harness's own, and those it did not ask for (first-link imports, daily
     * runs), found both in each connection's list and among the ImportRequested events seen.
     */
    const settle = async () => {
      const seen = requestsSeen(tap);
      const byId = new Map(connections.map((c) => [c.id, c]));
      const add = (importId: string, connection: Connection) => {
        if (tracked.has(importId)) return;
        const r = seen.get(importId);
        tracked.set(importId, {
          importId,
          connection,
          trigger: r?.trigger ?? 'unknown',
          ...(r ? { dates: datesOf(r.from, r.to) } : {}),
        });
      };
      // The tap may have been behind when an import was first found: fill in what it has learnt since.
      for (const t of tracked.values()) {
        const r = seen.get(t.importId);
        if (t.trigger !== 'unknown' || !r) continue;
        t.trigger = r.trigger;
        t.dates = datesOf(r.from, r.to);
      }
      // Every page: a connection of a long run holds more imports than one page.
      for (const c of connections) {
        let cursor: string | null = null;
        do {
          const query: string = `connectionId=${c.id}&limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
          const r = await apiRetrying(cluster, c.token, 'GET', `/imports?${query}`);
          const page = r.body as { items?: ImportView[]; nextCursor?: string | null };
          for (const v of page.items ?? []) add(v.importId, c);
          cursor = r.status === 200 ? (page.nextCursor ?? null) : null;
        } while (cursor);
      }
      for (const [importId, r] of seen) {
        const c = byId.get(r.connectionId);
        if (c) add(importId, c);
      }
      await Promise.all(
        [...tracked.values()]
          .filter((t) => !ended(t.view))
          .map(async (t) => {
            t.view = await follow(cluster, t.connection.token, t.importId, deadline());
          }),
      );
    };
    await settle();
    log(`set up on ${plan[0]!.day} (KST): ${tracked.size} first-link imports ended`);

    const pending = [...schedule];
    const concurrency = o.concurrency ?? Math.max(2, Math.min(8, 2 * o.customers));
    let sent = 0;
    for (const day of plan) {
      // The daily runs start on their own once the clock is past their time: the harness only moves the clock, and
      // only when nothing is in flight (the lock-service's lease expiry and the scheduler's import lifetime are on
      // the same clock: a step over a held lease would expire it).
      await stepWhenQuiet(cluster, clock, customers, kstInstantMs(day.day, CALENDAR.morning), log);
      log(`day ${day.index + 1}/${plan.length}: ${day.day} ${CALENDAR.morning} KST (simulated)`);
      const worker = async () => {
        while (sent < day.toImport) {
          const k = sent++;
          if (k > 0 && k % 50 === 0) log(`${k} import requests sent, ${tracked.size} imports known`);
          while (pending.length > 0 && pending[0]!.atImport <= k) fire(pending.shift()!);
          const connection = connections[Math.floor(random() * connections.length)]!;
          const days = 1 + Math.floor(random() * 3);
          const to = -1 - Math.floor(random() * (historyDays - days + 1));
          const dates = Array.from({ length: days }, (_, i) => kstDay(to - days + 1 + i, clock.now()));
          const r = await apiRetrying(
            cluster,
            connection.token,
            'POST',
            '/imports',
            { connectionId: connection.id, dateRange: { from: dates[0], to: dates.at(-1) }, force: true },
            { 'idempotency-key': `chaos-${o.seed}-${k}` },
          );
          if (r.status !== 202) {
            rejections.push({ status: r.status, type: String(r.body.type ?? ''), title: String(r.body.title ?? '') });
            log(`import request ${k} answered ${r.status}: ${JSON.stringify(r.body)}`);
            continue;
          }
          const importId = r.body.importId as string;
          const t: Tracked = { importId, connection, trigger: 'manual', dates };
          tracked.set(importId, t);
          t.view = await follow(cluster, connection.token, importId, deadline());
        }
      };
      await Promise.all(Array.from({ length: concurrency }, worker));
      // A fault whose request was never sent (its atImport is this day's, but rejected requests end the day early):
      // still this day's.
      while (pending.length > 0 && dayOfImport(plan, pending[0]!.atImport) <= day.index) fire(pending.shift()!);
      await Promise.all(faultsDone);
      // The day is over once every connection's daily run was requested and every import ended.
      await waitForDailyRuns(tap, connections, day.day, lifetimeMs).catch((err) => log(String(err)));
      await settle();
      log(`day ${day.day} done after ${((Date.now() - t0) / 1000).toFixed(1)} s: ${tracked.size} imports known`);
    }
    for (const f of pending) fire(f);
    await Promise.all(faultsDone);
    await settle();
    // Every import's ImportRequested reached the tap, so the verdict knows each one's trigger and dates.
    await until(
      'the tap to hold every import request',
      () => ([...tracked.keys()].every((id) => requestsSeen(tap).has(id)) ? true : undefined),
      60_000,
      250,
    ).catch((err) => log(String(err)));
    await settle();
    return await verdict(cluster, o, {
      tracked,
      connections,
      rejections,
      lifetimeMs,
      faultCounts,
      faultsSkipped,
      t0,
      tap,
      days: plan.map((d) => d.day),
      simulated: [setUpAt, clock.now()],
    });
  } finally {
    await Promise.allSettled(faultsDone);
    await tap.close();
    await cluster.close();
  }
}

/** Until every connection's daily run of `day` was requested (its ImportRequested seen), or `timeoutMs`. */
async function waitForDailyRuns(tap: EventTap, connections: Connection[], day: string, timeoutMs: number) {
  const yesterday = addDays(day, -1);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const asked = new Set(
      [...requestsSeen(tap).values()]
        .filter((r) => r.trigger === 'scheduled' && r.to === yesterday)
        .map((r) => r.connectionId),
    );
    const missing = connections.filter((c) => !asked.has(c.id));
    if (missing.length === 0) return;
    if (Date.now() > deadline) throw new Error(`${missing.length} connection(s) had no daily run requested on ${day}`);
    await sleep(500);
  }
}

/**
 * Moves the simulated clock to `atMs` once nothing is in flight: no customer id's lock held, queued for, or in its
 * lock-delay (the guard time after an expiry that lets a stale holder's last NAVER call end). Leases and lock-delays
 * are on the simulated clock, so stepping over one would end it early. Gives up waiting after a while (a stuck lock
 * is reported by the verdict as stuck imports) and steps anyway.
 */
async function stepWhenQuiet(
  cluster: Cluster,
  clock: SimClock,
  customers: { customerId: string }[],
  atMs: number,
  log: (m: string) => void,
) {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const busy: string[] = [];
    for (const c of customers) {
      const lock = cluster.instances.find((i) => i.service === 'lock-service' && i.state === 'up');
      if (!lock) {
        busy.push('no lock-service up');
        break;
      }
      const res = await fetch(`http://127.0.0.1:${lock.port}/locks/${c.customerId}?limit=1`).catch(() => undefined);
      if (!res || (res.status !== 200 && res.status !== 404)) {
        busy.push(`${c.customerId}: lock view ${res?.status ?? 'unreachable'}`);
        continue;
      }
      if (res.status === 404) continue;
      const view = (await res.json()) as { holder: unknown; queue: unknown[]; lockDelayUntil: string | null };
      if (
        view.holder ||
        view.queue.length > 0 ||
        (view.lockDelayUntil && Date.parse(view.lockDelayUntil) > clock.now())
      )
        busy.push(`${c.customerId}: held, queued for or in its lock-delay`);
    }
    if (busy.length === 0) break;
    if (Date.now() > deadline) {
      log(`stepping the clock although not quiet: ${busy.join('; ')}`);
      break;
    }
    await sleep(250);
  }
  clock.stepTo(atMs);
  // The children poll the file; until they all read it, they would still decide on the old day.
  await sleep(CLOCK_FOLLOW_MS);
}

async function verdict(
  cluster: Cluster,
  o: ChaosOptions,
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

function mergeEnv(
  over: ChaosOptions['serviceEnv'],
  base: Partial<Record<ServiceName, Record<string, string>>>,
): Partial<Record<ServiceName, Record<string, string>>> {
  const merged = { ...base };
  for (const [k, v] of Object.entries(over ?? {})) merged[k as ServiceName] = { ...base[k as ServiceName], ...v };
  return merged;
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
