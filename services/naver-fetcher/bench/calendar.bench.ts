// `npm run bench -- lease|backfill|daily|coalesce` (issue 9): what the data calendar costs NAVER and the lease, on the
// real lock-service and fetcher in-process against the NAVER simulator, over the broker and database bench.ts hands
// over. Conditions are the ones production meets: the simulator at its default rate limit (10 requests/s per customer
// id, downloads counted) and default build times (reports 2000 ms, master reports 3000 ms), a "large" customer, the
// fetcher with its defaults (10 requests/s, 20 open jobs, 5 s poll ceiling) plus NAVER_SEND_ORIGIN so the simulator
// can attribute every request to a lease. One wall clock, stepped to 07:00 KST of each simulated morning, is shared by
// every component; durations stay real.
//
// - lease:    60 days of AD + AD_CONVERSION from an empty calendar; leaseOverRequestTime = lease ÷ (requests ÷ 10 per
//             second), the lease's overhead over the time its requests need at the rate limit (goal ≤ 1.15).
// - backfill: 400 days of AD + AD_CONVERSION for a new connection (NAVER keeps 365: 730 reports); leaseSeconds (goal
//             ≤ 360), requests, reportJobs, leaseOverRequestTime.
// - daily:    the next morning's update of that connection (the same 400-day window a day later). The backfill is
//             seeded first by a separate, unpaced fetcher against the simulator with its rate limit off and 40 ms
//             builds (it would cost five minutes otherwise); the knobs are restored before the measured fetcher starts.
//             leaseSeconds (goal ≤ 10), requests, updatesPerDay = 86400 ÷ leaseSeconds, leaseOverRequestTime.
// - coalesce: after the same seeding, one daily update on morning 2 (requestsOfOneDaily), then five connections of the
//             customer id (one user, five sheets) in one publish on morning 3: requests (goal = requestsOfOneDaily),
//             overlaps from the simulator's oracle (must be 0), leases = how many of the five held one. reportJobs and
//             reportJobsOfOneDaily are the like-for-like pair: polls follow the build time the process has learnt.
//
// leaseSeconds is LockGranted.time → LeaseReleased.time (the events' own instants, both on the shared clock); the
// lock-service's hold history (grantedAt → endedAt, which ends when the lock-service consumed the release) is printed
// beside it. requests is the fetcher's own count (ReportsDownloaded.naverRequests); the simulator's /_sim/stats delta
// is printed too and reported as requestsAtSimulator when it differs. A warm-up import of another customer id runs
// first, so no measured lease pays for the consumer groups joining. The readable part ends with a breakdown of the
// lease from the fetcher's own NAVER calls (recorded through its fetch hook): start-up before the first request, the
// request span and its pace, build waits, polls per job, 429s, and the commit after the last request. rateLimited is
// how many of the requests NAVER answered 429 (they count as requests, and each one also slows the pace).
// To see where a lease goes under other settings, NAVER_REQUESTS_PER_SECOND, NAVER_MAX_OPEN_JOBS and NAVER_POLL_MS set
// in the environment reach the measured fetcher (the run then says so first): e.g.
// `NAVER_REQUESTS_PER_SECOND=9.5 npm run bench -- lease`.
import { randomBytes } from 'node:crypto';
import { cpus } from 'node:os';
import type { EventOfType, ReportType } from '@reportline/contracts';
import { reportFigures, round } from '@reportline/dev/bench';
import { type EventTap, eventTap } from '@reportline/dev/event-tap';
import { scratchFromEnv } from '@reportline/dev/scratch';
import { startLockService } from '@reportline/lock-service/app';
import { lockServiceConfig } from '@reportline/lock-service/config';
import { type RequestStats, startSimulator } from '@reportline/naver-simulator';
import { addDays, createPool, loadConfig, postgresSecretStore, type Running } from '@reportline/platform';
import { startFetcher } from '../src/app.ts';
import { fetcherConfig } from '../src/config.ts';
import {
  type Connection,
  credentials,
  importRequests,
  kstInstant,
  steppedClock,
  storeConnection,
} from '../test/support/calendar-world.ts';
import { type Call, type LockHold, type Measured, printImport, RATE_LIMIT, s, statsDelta } from './calendar-report.ts';

const scenarioNames = ['lease', 'backfill', 'daily', 'coalesce'] as const;
type ScenarioName = (typeof scenarioNames)[number];
const scenario = process.argv[2] as ScenarioName;
if (!scenarioNames.includes(scenario)) {
  console.error(`usage: calendar.bench.ts ${scenarioNames.join('|')}`);
  process.exit(2);
}

const KST = 9 * 3_600_000;
const TYPES: ReportType[] = ['AD', 'AD_CONVERSION'];
const { kafkaBrokers, databaseUrl, topicPrefix } = scratchFromEnv();

const DAY1 = '2026-11-26';
const clock = steppedClock(kstInstant(DAY1, 7));
const large = { ...credentials('9100001'), size: 'large' as const, seed: 21 };
// Its own customer id: the warm-up shares no rate-limit lane, calendar or lock with the measured imports.
const warm = { ...credentials('9100002'), size: 'tiny' as const, seed: 22 };

/** One NAVER call of the measured fetcher, as its fetch hook saw it (shared wall clock, ms). */
const calls: Call[] = [];

function endpointOf(method: string, url: string): string {
  const path = new URL(url).pathname;
  if (path === '/report-download') return 'download';
  const m = /^\/(stat-reports|master-reports)(?:\/(\d+))?$/.exec(path);
  if (!m) return 'other';
  const verb = m[2]
    ? { GET: 'get', DELETE: 'delete' }[method]
    : { POST: 'create', GET: 'list', DELETE: 'delete-all' }[method];
  return `${m[1]}.${verb ?? 'other'}`;
}

/** The fetcher's fetch, timed: which job each call was about and when a poll first saw it built. */
const recordingFetch: typeof fetch = async (input, init) => {
  const url = input instanceof Request ? input.url : String(input);
  const method = (init?.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase();
  const headers = new Headers(init?.headers);
  const startedAt = clock.now().getTime();
  const res = await fetch(input, init);
  const call: Call = {
    endpoint: endpointOf(method, url),
    startedAt,
    endedAt: clock.now().getTime(),
    status: res.status,
    origin: headers.get('x-reportline-origin') ?? undefined,
  };
  const id = /\/stat-reports\/(\d+)$/.exec(new URL(url).pathname)?.[1];
  if (id) call.jobId = Number(id);
  if (res.ok && (call.endpoint === 'stat-reports.create' || call.endpoint === 'stat-reports.get')) {
    const job = (await res.clone().json()) as { reportJobId?: number; status?: string };
    call.jobId = job.reportJobId ?? call.jobId;
    call.built = job.status === 'BUILT' || job.status === 'NONE';
  }
  calls.push(call);
  return res;
};

const simulator = await startSimulator(
  // Default knobs on purpose: the figures are for NAVER's pace, not a tuned stand-in.
  { customers: [large, warm] },
  { now: () => clock.now() },
);
const secretsKey = randomBytes(32).toString('base64');
const base = {
  KAFKA_BROKERS: kafkaBrokers.join(','),
  DATABASE_URL: databaseUrl,
  TOPIC_PREFIX: topicPrefix,
  LOG_LEVEL: 'warn',
  INTERNAL_API_TOKEN: randomBytes(32).toString('base64url'),
};
const lock = await startLockService(loadConfig(lockServiceConfig, base), { clock });
// For finding where a lease goes, not for the reported figures: these settings, when set in the environment, reach
// the measured fetcher (only these, so a developer's NAVER_BASE_URL cannot redirect a bench to NAVER itself).
const tuning = ['NAVER_REQUESTS_PER_SECOND', 'NAVER_MAX_OPEN_JOBS', 'NAVER_POLL_MS'].flatMap((k) =>
  process.env[k] === undefined ? [] : [[k, process.env[k]!] as const],
);
const fetcherBase = {
  ...base,
  SECRETS_KEY: secretsKey,
  NAVER_BASE_URL: simulator.url,
  NAVER_SEND_ORIGIN: 'true',
  LOCK_SERVICE_URL: lock.url,
};
const measuredFetcherEnv = { ...fetcherBase, ...Object.fromEntries(tuning) };
const pool = createPool(databaseUrl);
const secrets = postgresSecretStore(pool, Buffer.from(secretsKey, 'base64'));
const tap: EventTap = await eventTap(kafkaBrokers, topicPrefix);
let fetcher: Running | undefined;

const connection = (creds: { customerId: string; apiKey: string; secret: string }) => storeConnection(secrets, creds);

/** As the scheduler does it: one ImportRequested per connection, published together. */
async function request(connections: Connection[], dateRange: { from: string; to: string }, reportTypes = TYPES) {
  const events = importRequests(connections, dateRange, reportTypes, { source: 'bench', now: clock.now() });
  await tap.publish(events);
  return events.map((e) => e.importId);
}

const window = (to: string, days: number) => ({ from: addDays(to, -(days - 1)), to });

async function sim(path: string, init?: RequestInit): Promise<unknown> {
  const res = await fetch(`${simulator.url}${path}`, init);
  if (!res.ok) throw new Error(`${init?.method ?? 'GET'} ${path}: ${res.status} ${await res.text()}`);
  return res.json();
}
const simStats = () => sim(`/_sim/stats?customerId=${large.customerId}`) as Promise<RequestStats>;
const knobs = (patch: object) =>
  sim('/_sim/knobs', { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify(patch) });

async function startMeasuredFetcher() {
  fetcher = await startFetcher(loadConfig(fetcherConfig, measuredFetcherEnv), { clock, fetch: recordingFetch });
  // The consumer groups' first join and the first grant are not part of any measured lease.
  const w = await connection(warm);
  const [id] = await request([w], window(addDays(kstToday(), -2), 1), ['AD']);
  await downloaded(id!, 120_000);
}

const kstToday = () => new Date(clock.now().getTime() + KST).toISOString().slice(0, 10);

const downloaded = (importId: string, timeoutMs: number) =>
  tap.next('ReportsDownloaded', importId, timeoutMs) as Promise<EventOfType<'ReportsDownloaded'> & { version: 3 }>;

async function measure(importId: string, timeoutMs: number): Promise<Measured> {
  const event = await downloaded(importId, timeoutMs);
  const granted = tap.events.find((e) => e.type === 'LockGranted' && e.importId === importId);
  const released = granted
    ? await tap.next('LeaseReleased', importId, 30_000)
    : tap.events.find((e) => e.type === 'LeaseReleased' && e.importId === importId);
  const grantedAt = granted ? Date.parse(granted.time) : Number.NaN;
  const releasedAt = released ? Date.parse(released.time) : Number.NaN;
  let holdMs: number | undefined;
  if (granted) {
    // The lock-service records the end once it has consumed the release: poll briefly for it.
    for (let i = 0; i < 50 && holdMs === undefined; i++) {
      const view = (await (await fetch(`${lock.url}/locks/${event.customerId}?limit=1000`)).json()) as {
        history: LockHold[];
      };
      const hold = view.history.find((h) => h.importId === importId);
      if (hold?.endedAt) holdMs = Date.parse(hold.endedAt) - Date.parse(hold.grantedAt);
      else await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    importId,
    event,
    leased: granted !== undefined,
    leaseMs: releasedAt - grantedAt,
    holdMs,
    grantedAt,
    releasedAt,
    calls: calls.filter((c) => c.origin?.startsWith(`${importId}#`)),
  };
}

async function seedBackfill(conn: Connection) {
  await knobs({ rateLimit: { perSecond: 0 }, reportBuildMs: 40, masterBuildMs: 40 });
  const seeder = await startFetcher(
    loadConfig(fetcherConfig, {
      ...fetcherBase,
      NAVER_REQUESTS_PER_SECOND: '0',
      NAVER_POLL_MS: '100',
      NAVER_MAX_OPEN_JOBS: '40',
    }),
    { clock },
  );
  const t0 = performance.now();
  const [id] = await request([conn], window(addDays(DAY1, -1), 400));
  const event = await downloaded(id!, 600_000);
  await seeder.close();
  await knobs({ rateLimit: { perSecond: RATE_LIMIT }, reportBuildMs: 2000, masterBuildMs: 3000 });
  console.log(
    `seeded: the ${DAY1} backfill (${event.data.reports.length} reports, ${event.data.naverRequests} requests) by an unpaced fetcher in ${s(performance.now() - t0)} s; simulator knobs restored (10/s, 2000/3000 ms)`,
  );
}

/** One import of `conn` for `days` days up to yesterday, measured. */
async function oneImport(label: string, conn: Connection, days: number, timeoutMs: number) {
  const before = await simStats();
  const [id] = await request([conn], window(addDays(kstToday(), -1), days));
  const m = await measure(id!, timeoutMs);
  const delta = statsDelta(before, await simStats());
  printImport(label, m, delta);
  return { m, delta };
}

function leaseFigures(m: Measured, delta: ReturnType<typeof statsDelta>) {
  const requests = m.event.data.naverRequests;
  return {
    leaseSeconds: round(m.leaseMs / 1000, 2),
    requests,
    ...(delta.total !== requests ? { requestsAtSimulator: delta.total } : {}),
    reportJobs: m.event.data.reportJobs,
    leaseOverRequestTime: round(m.leaseMs / ((requests / RATE_LIMIT) * 1000), 3),
    rateLimited: m.calls.filter((c) => c.status === 429).length,
  };
}

const cpu = cpus();
console.log(
  `naver-fetcher calendar bench "${scenario}": ${cpu.length} × ${cpu[0]?.model ?? 'unknown cpu'}, node ${process.version}`,
);
if (tuning.length > 0) {
  console.log(`NOT the defaults: the measured fetcher runs with ${tuning.map(([k, v]) => `${k}=${v}`).join(', ')}`);
}
console.log(
  `conditions: simulator rate limit ${RATE_LIMIT}/s per customer id (downloads counted), builds 2000 ms (masters 3000 ms), customer size large; fetcher defaults (NAVER_REQUESTS_PER_SECOND 10), NAVER_SEND_ORIGIN on; clock at ${DAY1} 07:00 KST`,
);

let figures: Record<string, number>;
try {
  const a = await connection(large);
  if (scenario === 'lease' || scenario === 'backfill') {
    await startMeasuredFetcher();
    const days = scenario === 'lease' ? 60 : 400;
    const { m, delta } = await oneImport(
      `${scenario}: ${days} days of ${TYPES.join(' + ')} from an empty calendar`,
      a,
      days,
      1_800_000,
    );
    figures = leaseFigures(m, delta);
  } else {
    await seedBackfill(a);
    await startMeasuredFetcher();
    clock.setKst(addDays(DAY1, 1), 7);
    const daily = await oneImport(
      `daily: ${addDays(DAY1, 1)} 07:00 KST, the 400-day window a day later`,
      a,
      400,
      120_000,
    );
    if (scenario === 'daily') {
      const f = leaseFigures(daily.m, daily.delta);
      figures = { ...f, updatesPerDay: round(86_400 / f.leaseSeconds) };
    } else {
      clock.setKst(addDays(DAY1, 2), 7);
      const five = [a, ...(await Promise.all([1, 2, 3, 4].map(() => connection(large))))];
      const before = await simStats();
      const ids = await request(five, window(addDays(kstToday(), -1), 400));
      const measured = await Promise.all(ids.map((id) => measure(id, 300_000)));
      const delta = statsDelta(before, await simStats());
      const overlaps = (await sim(`/_sim/overlaps?customerId=${large.customerId}`)) as {
        overlaps: unknown[];
        unattributed: number;
      };
      console.log(`\ncoalesce: five connections of ${large.customerId} in one publish, ${addDays(DAY1, 2)} 07:00 KST`);
      for (const [i, m] of measured.entries()) printImport(`  connection ${i + 1} of 5`, m);
      const requests = measured.reduce((sum, m) => sum + m.event.data.naverRequests, 0);
      const leases = measured.filter((m) => m.leased).length;
      console.log(
        `\n  five together: ${requests} NAVER requests (fetcher), ${delta.total} at the simulator (${delta.byEndpoint.map(([k, v]) => `${k} ${v}`).join(', ')}); one daily update: ${daily.m.event.data.naverRequests}`,
      );
      const polls = (ms: Measured[]) =>
        ms.flatMap((m) => m.calls).filter((c) => c.endpoint === 'stat-reports.get').length;
      // Polls follow the process's learnt build time, so the report jobs are the like-for-like comparison.
      console.log(
        `  report jobs: ${measured.reduce((sum, m) => sum + m.event.data.reportJobs, 0)} for the five, ${daily.m.event.data.reportJobs} for one daily update; polls ${polls(measured)} vs ${polls([daily.m])}`,
      );
      console.log(
        `  leases: ${leases} of 5 held one (${measured.filter((m) => m.leased && m.event.data.naverRequests > 0).length} with NAVER requests), ${5 - leases} served from the store without one; leases held in total ${s(
          measured.reduce((sum, m) => sum + (m.leased ? m.leaseMs : 0), 0),
          2,
        )} s`,
      );
      console.log(
        `  overlaps (simulator oracle, whole run): ${overlaps.overlaps.length}, unattributed requests ${overlaps.unattributed}`,
      );
      figures = {
        requests,
        ...(delta.total !== requests ? { requestsAtSimulator: delta.total } : {}),
        requestsOfOneDaily: daily.m.event.data.naverRequests,
        reportJobs: measured.reduce((sum, m) => sum + m.event.data.reportJobs, 0),
        reportJobsOfOneDaily: daily.m.event.data.reportJobs,
        overlaps: overlaps.overlaps.length,
        leases,
        servedWithoutLease: 5 - leases,
      };
    }
  }
} finally {
  await fetcher?.close();
  await lock.close();
  await tap.close();
  await pool.end();
  await simulator.close();
}
reportFigures(scenario, figures);
