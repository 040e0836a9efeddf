// One chaos run: the system as child processes (cluster.ts), a seeded workload and fault schedule, then the verdict of
// an oracle that shares no code with the services: the NAVER simulator's overlap checker, the fake's tabs read
// directly against the simulator's data generator (oracle.ts), and every import's end as the scheduler reports it,
// held against the documented bound (the scheduler's IMPORT_MAX_LIFETIME_MS, enforced every IMPORT_SWEEP_MS).
import { eventTap } from '@reportline/dev/event-tap';
import { type Cluster, type Infra, type ServiceName, startCluster } from './cluster.ts';
import { type Fault, type FaultKind, faultSchedule, inject, prng } from './faults.ts';
import { FOREIGN_TOOL } from './foreign-tool.ts';
import { checkTab, unexplainedPending } from './oracle.ts';
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
  infra: Infra;
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
  const cluster = await startCluster({
    infra: o.infra,
    instances,
    logDir: o.logDir,
    // Every connection writes as the one default Google principal (60 writes a minute, ~3 per import): at Google's
    // pace the run would measure that quota, not the invariants.
    sheetsTimeScale: o.sheetsTimeScale ?? 10,
    naver: {
      customers,
      knobs: { reportBuildMs: 300, masterBuildMs: 300, dataReadyHourKst: 0, seed: o.seed },
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
    const connections = await setUp(cluster, customers, tenants, { historyDays, scheduleInMin: 1 });
    log(`${connections.length} connections over ${customers.length} customer ids, ${tenants} tenants`);

    const random = prng(o.seed ^ 0x5eed);
    const tracked = new Map<string, Tracked>();
    const rejections: { status: number; type: string; title: string }[] = [];
    const fire = (f: Fault) =>
      faultsDone.push(
        (async () => {
          await new Promise((r) => setTimeout(r, f.delayMs));
          const key = f.kind === 'kill' || f.kind === 'stop' ? `${f.kind}:${f.service}` : f.kind;
          const done = await inject(cluster, tap, f, log).catch((err) => {
            log(`fault failed: ${err}`);
            return false;
          });
          if (done) {
            faultCounts[key] = (faultCounts[key] ?? 0) + 1;
          } else faultsSkipped++;
        })(),
      );
    const pending = [...schedule];
    const concurrency = o.concurrency ?? Math.max(2, Math.min(8, 2 * o.customers));
    let sent = 0;
    const worker = async () => {
      while (sent < o.imports) {
        const k = sent++;
        if (k > 0 && k % 50 === 0) log(`${k} import requests sent, ${tracked.size} accepted`);
        while (pending.length > 0 && pending[0]!.atImport <= k) fire(pending.shift()!);
        const connection = connections[Math.floor(random() * connections.length)]!;
        const days = 1 + Math.floor(random() * 3);
        const to = -1 - Math.floor(random() * (historyDays - days + 1));
        const dates = Array.from({ length: days }, (_, i) => kstDay(to - days + 1 + i));
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
        t.view = await follow(cluster, connection.token, importId, Date.now() + lifetimeMs + 4 * SWEEP_MS);
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    for (const f of pending) fire(f);
    await Promise.all(faultsDone);
    log(`workload sent after ${((Date.now() - t0) / 1000).toFixed(1)} s; collecting every import`);

    // Imports the harness did not ask for itself: first-link imports and scheduled runs.
    for (const c of connections) {
      const r = await apiRetrying(cluster, c.token, 'GET', `/connections/${c.id}/imports?limit=200`);
      const views = Array.isArray(r.body) ? (r.body as ImportView[]) : [];
      for (const v of views) {
        if (tracked.has(v.importId)) continue;
        tracked.set(v.importId, { importId: v.importId, connection: c, trigger: 'first-link or scheduled' });
      }
    }
    await Promise.all(
      [...tracked.values()]
        .filter((t) => !ended(t.view))
        .map(async (t) => {
          t.view = await follow(cluster, t.connection.token, t.importId, Date.now() + lifetimeMs + 4 * SWEEP_MS);
        }),
    );
    return await verdict(cluster, o, {
      tracked,
      connections,
      rejections,
      lifetimeMs,
      faultCounts,
      faultsSkipped,
      t0,
    });
  } finally {
    await Promise.allSettled(faultsDone);
    await tap.close();
    await cluster.close();
  }
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
    const asked = Number.isFinite(requestedAt) ? requestedAt : r.t0;
    const yesterdays = new Set([kstDay(-1, asked), kstDay(-1, endedAt(v!) ?? Date.now())]);
    const unexplained = unexplainedPending(pendingNow, { yesterdays, refused: notReadyAnswers.has(t.importId) });
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
  const namesAt: [number, number] = [r.t0, Date.now()];
  for (const c of r.connections) {
    const tab = cluster.sheets.state.readTab(c.spreadsheetId, c.sheetName);
    const verdict = checkTab(c.customer, tab as never, required.get(c.id) ?? [], namesAt);
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
  const res = await fetch(`${cluster.naver.url}/_sim/overlaps`);
  const oracle = (await res.json()) as { overlaps: unknown[]; unattributed: number };
  const foreignRequests = recorded.filter((x) => x.foreign === FOREIGN_TOOL).length;
  const vanishedAnswers = recorded.filter((x) => x.foreign === null && x.status === 404).length;
  for (const x of oracle.overlaps.slice(0, 20)) details.push(`overlap: ${JSON.stringify(x)}`);
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
  r.lost === 0 && r.stuck === 0 && r.overlaps === 0 && r.mismatches === 0 && r.duplicates === 0 && r.reasonless === 0;
