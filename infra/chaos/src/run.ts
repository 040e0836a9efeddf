// One chaos run: the system as child processes (cluster.ts), a seeded workload and fault schedule over simulated
// days, then the verdict of an oracle that shares no code with the services (verdict.ts).
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { type EventTap, eventTap } from '@reportline/dev/event-tap';
import { until } from '@reportline/dev/wait';
import { type Cluster, type Infra, type ServiceName, startCluster } from './cluster.ts';
import { addDays, CALENDAR, dayOfImport, dayPlan, firstDay, kstInstantMs } from './days.ts';
import { type Fault, type FaultKind, faultSchedule, inject, prng, type Restarts } from './faults.ts';
import { CLOCK_FOLLOW_MS, type SimClock, simClock } from './sim-clock.ts';
import { type ChaosResult, requestsSeen, SWEEP_MS, type Tracked, verdict } from './verdict.ts';
import {
  apiRetrying,
  type Connection,
  ended,
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

// Short, so a run meets expiries in seconds; the fetcher stops starting NAVER calls at TTL − LEASE_SAFETY_MARGIN_MS
// (8 s), which must come after its first renewal at TTL / 3 (5 s) or every lease would lapse unrenewed.
const TTL_MS = 15_000;

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

function mergeEnv(
  over: ChaosOptions['serviceEnv'],
  base: Partial<Record<ServiceName, Record<string, string>>>,
): Partial<Record<ServiceName, Record<string, string>>> {
  const merged = { ...base };
  for (const [k, v] of Object.entries(over ?? {})) merged[k as ServiceName] = { ...base[k as ServiceName], ...v };
  return merged;
}

export { type ChaosResult, passed } from './verdict.ts';
