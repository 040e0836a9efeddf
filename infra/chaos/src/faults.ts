// The fault schedule is a pure function of (seed, imports, faults, instances): the same seed gives the same list of
// (moment, kind, target). Moments are counted in import requests sent plus a delay, not in wall time, so a slower
// machine meets each fault at the same point of the workload.
import type { EventTap } from '@reportline/dev/event-tap';
import type { Cluster, Instance, ServiceName } from './cluster.ts';
import { SERVICES } from './cluster.ts';
import { FOREIGN_TOOL, foreignCall } from './foreign-tool.ts';
import { kstDay } from './workload.ts';

export const FAULT_KINDS = [
  'kill',
  'stop',
  'naver429',
  'naver500',
  'naverError',
  'sheets429',
  'sheets503',
  'sheetsDrop',
  'duplicate',
  'brokerRestart',
  'postgresRestart',
  'foreignDeleteAll',
  'foreignEviction',
  'yesterdayNotReady',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];
// Process faults are the ones the design promises most about (no lost work whatever is killed), so they come oftener.
const WEIGHTS: Record<FaultKind, number> = {
  kill: 4,
  stop: 2,
  naver429: 1,
  naver500: 1,
  naverError: 1,
  sheets429: 1,
  sheets503: 1,
  sheetsDrop: 1,
  duplicate: 1,
  brokerRestart: 1,
  postgresRestart: 1,
  foreignDeleteAll: 1,
  foreignEviction: 1,
  yesterdayNotReady: 1,
};

export interface Fault {
  /** Injected once this many import requests were sent, after delayMs. */
  atImport: number;
  delayMs: number;
  kind: FaultKind;
  service?: ServiceName;
  index?: number;
  /** How long it lasts: the pause of a SIGSTOP, the gap before a killed instance restarts, a burst's length. */
  durationMs: number;
  /** For `duplicate`: which of the last 40 events seen are published again, newest first (so out of order). */
  picks?: number[];
  /**
   * For the foreign tool's faults: which customer id it shares (this modulo the number of customer ids), how many
   * times it deletes all jobs (`foreignDeleteAll`, spread over durationMs) or how many creates past NAVER's pool
   * limit it makes (`foreignEviction`).
   */
  customerPick?: number;
  times?: number;
  /** For `brokerRestart`: a controlled shutdown (SIGTERM) or a crash (SIGKILL). */
  signal?: 'SIGTERM' | 'SIGKILL';
}

/** What a fault may restart besides service instances: the run's own broker and Postgres (infra.ts). */
export interface Restarts {
  restartBroker?(o: { downMs: number; signal: 'SIGTERM' | 'SIGKILL' }): Promise<void>;
  restartPostgres?(downMs: number): Promise<void>;
}

/** mulberry32: small, fast, and the same sequence on every platform for a given seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export function faultSchedule(o: {
  seed: number;
  imports: number;
  faults: number;
  instances: number;
  ttlMs: number;
  /** Only these kinds, at their weights (to reproduce one fault's effect); all of them unless given. */
  kinds?: readonly FaultKind[];
}) {
  const random = prng(o.seed);
  const int = (n: number) => Math.floor(random() * n);
  const kinds = o.kinds ?? FAULT_KINDS;
  const total = kinds.reduce((a, k) => a + WEIGHTS[k], 0);
  const pick = (): FaultKind => {
    let r = random() * total;
    for (const k of kinds) {
      r -= WEIGHTS[k];
      if (r < 0) return k;
    }
    return kinds.at(-1)!;
  };
  const faults: Fault[] = [];
  for (let i = 0; i < o.faults; i++) {
    const kind = pick();
    const fault: Fault = { atImport: int(o.imports), delayMs: int(3_000), kind, durationMs: 0 };
    if (kind === 'kill' || kind === 'stop') {
      fault.service = SERVICES[int(SERVICES.length)];
      fault.index = int(o.instances);
      // A pause must outlast the lease TTL to prove a stopped holder loses its lease and does not call NAVER after.
      fault.durationMs = kind === 'stop' ? o.ttlMs + 2_000 + int(4_000) : 500 + int(3_000);
    } else if (kind === 'brokerRestart' || kind === 'postgresRestart') {
      // Down long enough for every client to meet refused connections and its retries, short of giving up on them.
      fault.durationMs = 1_000 + int(5_000);
      if (kind === 'brokerRestart') fault.signal = random() < 0.5 ? 'SIGTERM' : 'SIGKILL';
    } else if (kind === 'duplicate') {
      fault.picks = Array.from({ length: 3 + int(6) }, () => int(40));
    } else if (kind === 'foreignDeleteAll') {
      fault.customerPick = int(1_000);
      // A clean-up script run now and then: our jobs live about a second here, so several passes give it a chance.
      fault.times = 1 + int(6);
      fault.durationMs = 2_000 + int(8_000);
    } else if (kind === 'foreignEviction') {
      fault.customerPick = int(1_000);
      // 110 to 160 creates: at the tool's pace that is 16 to 24 s, below the run's 30 s build timeout.
      fault.times = 10 + int(50);
    } else if (kind === 'yesterdayNotReady') {
      // Long enough for imports of yesterday to be asked for during it (about one import in six includes yesterday).
      fault.durationMs = 4_000 + int(10_000);
    } else {
      fault.durationMs = 2_000 + int(6_000);
    }
    faults.push(fault);
  }
  return faults.sort((a, b) => a.atImport - b.atImport || a.delayMs - b.delayMs);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function send(url: string, method: string, body: unknown) {
  const res = await fetch(url, {
    method,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${await res.text()}`);
}

/**
 * Injects one fault and resolves once it is over (the instance restarted and healthy, the burst lifted). The target
 * instance is the scheduled one when it is up, else the next one up of that service; none up: the fault is skipped.
 */
export async function inject(
  cluster: Cluster,
  tap: EventTap,
  f: Fault,
  log: (m: string) => void,
  restarts: Restarts = {},
): Promise<boolean> {
  const naverKnobs = (patch: object) => send(`${cluster.naver.url}/_sim/knobs`, 'PATCH', patch);
  const sheetsConfig = (patch: object) => send(`${cluster.sheets.url}/_fake/config`, 'PATCH', patch);
  if (f.kind === 'kill' || f.kind === 'stop') {
    const candidates = cluster.instances.filter((i) => i.service === f.service);
    const target: Instance | undefined = [...candidates.slice(f.index!), ...candidates.slice(0, f.index!)].find(
      (i) => i.state === 'up',
    );
    if (!target) return false;
    const name = `${target.service}#${target.index}`;
    if (f.kind === 'kill') {
      log(`SIGKILL ${name}, restart in ${f.durationMs} ms`);
      await cluster.kill(target);
      await sleep(f.durationMs);
      await cluster.restart(target);
      log(`${name} restarted`);
    } else {
      log(`SIGSTOP ${name} for ${f.durationMs} ms`);
      cluster.pause(target);
      await sleep(f.durationMs);
      cluster.resume(target);
      log(`SIGCONT ${name}`);
    }
    return true;
  }
  if (f.kind === 'brokerRestart') {
    // Only the run's own broker: a shared one serves other tests (run.ts says which the run has).
    if (!restarts.restartBroker) return false;
    log(`broker ${f.signal === 'SIGKILL' ? 'crash (SIGKILL)' : 'restart (SIGTERM)'}, down for ${f.durationMs} ms`);
    await restarts.restartBroker({ downMs: f.durationMs, signal: f.signal ?? 'SIGTERM' });
    log('broker back');
    return true;
  }
  if (f.kind === 'postgresRestart') {
    if (!restarts.restartPostgres) return false;
    log(`Postgres restart (fast shutdown), down for ${f.durationMs} ms`);
    await restarts.restartPostgres(f.durationMs);
    log('Postgres back');
    return true;
  }
  if (f.kind === 'sheets503' || f.kind === 'sheetsDrop') log(`${f.kind}: the next Sheets requests fail`);
  else if (f.kind !== 'duplicate' && f.kind !== 'foreignEviction') log(`${f.kind} for ${f.durationMs} ms`);
  switch (f.kind) {
    case 'naver429':
      // One request per second per customer id: every fetcher meets 429s until the burst ends.
      await naverKnobs({ rateLimit: { perSecond: 1 } });
      await sleep(f.durationMs);
      await naverKnobs({ rateLimit: { perSecond: 10 } });
      break;
    case 'naver500':
      await naverKnobs({ rates: { http500: 0.5, http500AfterEffect: 0.1 } });
      await sleep(f.durationMs);
      await naverKnobs({ rates: { http500: 0, http500AfterEffect: 0 } });
      break;
    case 'naverError':
      await naverKnobs({ rates: { error: 0.4 } });
      await sleep(f.durationMs);
      await naverKnobs({ rates: { error: 0 } });
      break;
    case 'sheets429':
      await sheetsConfig({ limits: { writesPerMinutePerUser: 2, readsPerMinutePerUser: 4 } });
      await sleep(f.durationMs);
      await sheetsConfig({ limits: { writesPerMinutePerUser: 60, readsPerMinutePerUser: 60 } });
      break;
    case 'sheets503':
      await send(`${cluster.sheets.url}/_fake/faults`, 'POST', { kind: '503', times: 3 });
      break;
    case 'duplicate': {
      // At-least-once delivery made visible: events already handled arrive again (same event ids), out of order.
      const recent = tap.events.slice(-40);
      const again = [...new Set(f.picks!)].flatMap((i) => (recent[i] ? [recent[i]!] : [])).reverse();
      if (again.length === 0) return false;
      log(`duplicate: ${again.map((e) => e.type).join(', ')} published again`);
      await tap.publish(again);
      break;
    }
    case 'sheetsDrop':
      // The request is applied, then the socket is cut: the ambiguous outcome a retry must not duplicate.
      await send(`${cluster.sheets.url}/_fake/faults`, 'POST', { kind: 'drop', times: 2 });
      break;
    case 'foreignDeleteAll':
      await foreignDeleteAll(cluster, f, log);
      break;
    case 'foreignEviction':
      await foreignEviction(cluster, f, log, naverKnobs);
      break;
    case 'yesterdayNotReady':
      // NAVER answers 20007 for yesterday until its data-ready hour; 24 = not ready all day, as just after KST
      // midnight when "yesterday" has become a day NAVER has not aggregated yet. The run's own hour is restored when
      // the last burst in progress ends (bursts may overlap).
      if (notReadyBursts++ === 0) runReadyHour = cluster.naver.state.knobs.dataReadyHourKst;
      await naverKnobs({ dataReadyHourKst: 24 });
      try {
        await sleep(f.durationMs);
      } finally {
        if (--notReadyBursts === 0) await naverKnobs({ dataReadyHourKst: runReadyHour });
      }
      break;
  }
  return true;
}

// The other tool's host clock agrees with NAVER's, as the fetcher's does: the run's clock, simulated or not.
const clockOf = (cluster: Cluster) => () => cluster.naver.state.nowMs();

/** The customer id the foreign tool shares, and its credentials as the person gave them to both tools. */
function foreignCustomer(cluster: Cluster, f: Fault) {
  const customers = cluster.naver.state.customers;
  return customers[(f.customerPick ?? 0) % customers.length]!;
}

/**
 * Another tool's clean-up: `DELETE /stat-reports` without an id, which deletes every job of the customer id, ours
 * included, whatever lease we hold (#1071). `times` clean-ups spread over durationMs.
 */
async function foreignDeleteAll(cluster: Cluster, f: Fault, log: (m: string) => void) {
  const customer = foreignCustomer(cluster, f);
  const times = f.times ?? 1;
  for (let i = 0; i < times; i++) {
    if (i > 0) await sleep(f.durationMs / (times - 1));
    const r = await foreignCall(cluster.naver.url, customer, 'DELETE', '/stat-reports', undefined, clockOf(cluster));
    log(`${FOREIGN_TOOL}: DELETE /stat-reports for ${customer.customerId} answered ${r.status}`);
  }
}

// The foreign tool's pace: about 6.7 creates a second, leaving a third of the customer id's 10 requests a second.
const EVICTION_PACE_MS = 150;
// The chaos run's build time (run.ts knobs), restored after the last burst in progress (bursts may overlap).
const RUN_BUILD_MS = 300;
let slowBursts = 0;
let notReadyBursts = 0;
let runReadyHour = 0;

/**
 * Another tool creating jobs in bulk: NAVER keeps `statJobLimit` (100) jobs per customer id and each create beyond
 * silently evicts the oldest, so after limit + `times` creates every job older than the burst is gone, ours among
 * them. At NAVER's 10 requests a second, 100 creates take over 10 s, so only a job that lives that long can be
 * evicted: that is NAVER's real build time (seconds to minutes), not the run's 300 ms, so builds are slow for the
 * burst and fast again after it (a job's status follows the knob as it is now, so the backlog then finishes at once).
 */
async function foreignEviction(
  cluster: Cluster,
  f: Fault,
  log: (m: string) => void,
  naverKnobs: (patch: object) => Promise<void>,
) {
  const customer = foreignCustomer(cluster, f);
  const limit = cluster.naver.state.knobs.statJobLimit;
  const creates = limit + (f.times ?? 5);
  log(`${FOREIGN_TOOL}: ${creates} stat jobs for ${customer.customerId} (NAVER keeps ${limit}), builds slow meanwhile`);
  slowBursts++;
  await naverKnobs({ reportBuildMs: 60_000 });
  const answers: Record<number, number> = {};
  try {
    for (let i = 0; i < creates; i++) {
      const started = Date.now();
      // Dates our imports ask for too (the last two weeks but yesterday, which may be not ready), both types.
      const statDt = kstDay(-2 - (i % 10), cluster.naver.state.nowMs()).replaceAll('-', '');
      const reportTp = Math.floor(i / 10) % 2 === 0 ? 'AD' : 'AD_CONVERSION';
      const r = await foreignCall(
        cluster.naver.url,
        customer,
        'POST',
        '/stat-reports',
        { reportTp, statDt },
        clockOf(cluster),
      );
      answers[r.status] = (answers[r.status] ?? 0) + 1;
      await sleep(Math.max(0, EVICTION_PACE_MS - (Date.now() - started)));
    }
  } finally {
    if (--slowBursts === 0) await naverKnobs({ reportBuildMs: RUN_BUILD_MS });
  }
  log(`${FOREIGN_TOOL}: creates for ${customer.customerId} answered ${JSON.stringify(answers)}`);
}
