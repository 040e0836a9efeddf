// The fault schedule is a pure function of (seed, imports, faults, instances): the same seed gives the same list of
// (moment, kind, target). Moments are counted in import requests sent plus a delay, not in wall time, so a slower
// machine meets each fault at the same point of the workload.
import type { EventTap } from '@reportline/dev/event-tap';
import type { Cluster, Instance, ServiceName } from './cluster.ts';
import { SERVICES } from './cluster.ts';

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

export function faultSchedule(o: { seed: number; imports: number; faults: number; instances: number; ttlMs: number }) {
  const random = prng(o.seed);
  const int = (n: number) => Math.floor(random() * n);
  const total = Object.values(WEIGHTS).reduce((a, b) => a + b, 0);
  const pick = (): FaultKind => {
    let r = random() * total;
    for (const k of FAULT_KINDS) {
      r -= WEIGHTS[k];
      if (r < 0) return k;
    }
    return 'kill';
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
  else if (f.kind !== 'duplicate') log(`${f.kind} for ${f.durationMs} ms`);
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
  }
  return true;
}
