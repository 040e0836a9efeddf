import { randomBytes } from 'node:crypto';
import {
  type EventOfType,
  ImportFailedV1,
  type ImportRequest,
  ImportRequestedV1,
  LeaseRequestedV1,
  LockGrantedV2,
  makeEvent,
  type ReportType,
  readMasterSnapshot,
} from '@reportline/contracts';
import { type EventTap, eventTap } from '@reportline/dev/event-tap';
import { createTopics, isolatedEnvironment, uniquePrefix } from '@reportline/dev/test-environment';
import { until } from '@reportline/dev/wait';
import { startLockService } from '@reportline/lock-service/app';
import { lockServiceConfig } from '@reportline/lock-service/config';
import { authHeaders } from '@reportline/naver-client';
import { type RequestStats, startSimulator, statReportTsv } from '@reportline/naver-simulator';
import {
  addDays,
  createPool,
  loadConfig,
  type Pool,
  postgresBlobStore,
  postgresSecretStore,
  type Running,
} from '@reportline/platform';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFetcher } from '../src/app.ts';
import { fetcherConfig } from '../src/config.ts';
import { credentials, importRequests, kstInstant, steppedClock, storeConnection } from './support/calendar-world.ts';

/**
 * The data calendar over several simulated days, on a real broker, real Postgres, the real lock-service and the NAVER
 * simulator, all on one injected wall clock that the test moves forward between imports (KST mornings). Expected
 * files come from the simulator's own data generator (statReportTsv), never from the fetcher.
 */
const main = { ...credentials('8800001'), size: 'tiny' as const, seed: 11 };
const busy = { ...credentials('8800002'), size: 'small' as const, seed: 12 };

const clock = steppedClock(kstInstant('2026-11-26', 7));
const services: Running[] = [];
let naver: Awaited<ReturnType<typeof startSimulator>>;
let tap: EventTap;
let pool: Pool;
let secrets: ReturnType<typeof postgresSecretStore>;

beforeAll(async () => {
  const env = await isolatedEnvironment();
  const prefix = uniquePrefix();
  await createTopics(prefix);
  naver = await startSimulator(
    {
      customers: [main, busy],
      knobs: { reportBuildMs: 40, masterBuildMs: 40, rateLimit: { perSecond: 0 } },
    },
    { now: () => clock.now() },
  );
  const secretsKey = randomBytes(32).toString('base64');
  const base = {
    KAFKA_BROKERS: env.kafkaBrokers.join(','),
    DATABASE_URL: env.databaseUrl,
    TOPIC_PREFIX: prefix,
    LOG_LEVEL: 'warn',
    INTERNAL_API_TOKEN: randomBytes(32).toString('base64url'),
  };
  const lock = await startLockService(loadConfig(lockServiceConfig, { ...base, TICK_MS: '100' }), { clock });
  services.push(lock);
  const fetcherEnv = {
    ...base,
    SECRETS_KEY: secretsKey,
    NAVER_BASE_URL: naver.url,
    NAVER_SEND_ORIGIN: 'true',
    NAVER_POLL_MS: '100',
    NAVER_REQUESTS_PER_SECOND: '0',
    NAVER_MAX_OPEN_JOBS: '40',
    LOCK_SERVICE_URL: lock.url,
  };
  services.push(await startFetcher(loadConfig(fetcherConfig, fetcherEnv), { clock }));
  pool = createPool(env.databaseUrl);
  secrets = postgresSecretStore(pool, Buffer.from(secretsKey, 'base64'));
  tap = await eventTap(env.kafkaBrokers, prefix);
}, 120_000);

afterAll(async () => {
  await tap?.close();
  for (const s of services.reverse()) await s.close();
  await pool?.end();
  await naver?.close();
});

const connection = (creds: { customerId: string; apiKey: string; secret: string }) => storeConnection(secrets, creds);

/** The test plays the scheduler: one ImportRequested per connection, published together. */
async function request(
  connections: { connectionId: string; customerId: string }[],
  dateRange: { from: string; to: string },
  reportTypes: ReportType[] = ['AD'],
) {
  const events = importRequests(connections, dateRange, reportTypes, { source: 'test', now: clock.now() });
  await tap.publish(events);
  return events.map((e) => e.importId);
}

const downloaded = (importId: string) =>
  tap.next('ReportsDownloaded', importId, 90_000) as Promise<EventOfType<'ReportsDownloaded'> & { version: 3 }>;

async function simStats(customerId: string): Promise<RequestStats> {
  return (await fetch(`${naver.url}/_sim/stats?customerId=${customerId}`)).json() as Promise<RequestStats>;
}
async function knobs(patch: object) {
  const res = await fetch(`${naver.url}/_sim/knobs`, {
    method: 'PATCH',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(patch),
  });
  expect(res.status).toBe(200);
}

/** What the blob store holds for a report, as text. */
async function storedText(report: { file?: Parameters<ReturnType<typeof postgresBlobStore>['get']>[0] }) {
  return report.file ? (await postgresBlobStore(pool).get(report.file)).toString('utf8') : '';
}

/** Every built report's stored file equals the simulator's own rows for that date (revision given per date). */
async function expectFilesMatchNaver(
  customer: typeof main | typeof busy,
  event: EventOfType<'ReportsDownloaded'> & { version: 3 },
  revision: (date: string) => number = () => 0,
) {
  for (const r of event.data.reports) {
    const truth = statReportTsv(customer, r.reportType, r.statDate, revision(r.statDate));
    expect(r.outcome, `${r.reportType} ${r.statDate}`).toBe(truth === '' ? 'none' : 'built');
    expect(await storedText(r), `${r.reportType} ${r.statDate}`).toBe(truth);
  }
}

const window = (to: string, days: number) => ({ from: addDays(to, -(days - 1)), to });
const leaseRequested = (importId: string) =>
  tap.events.some((e) => e.type === 'LeaseRequested' && e.importId === importId);

describe('the data calendar over several days', () => {
  let a: { connectionId: string; customerId: string };

  it('day 1: a 400-day backfill asks NAVER once per day within the look-back and clamps the rest', async () => {
    a = await connection(main);
    const before = await simStats(main.customerId);
    const [id] = await request([a], window('2026-11-25', 400));
    const event = await downloaded(id!);
    expect(event.version).toBe(3);
    // AD: 365 days back from today (2026-11-26): 2025-11-26 .. 2026-11-25.
    expect(event.data.reports).toHaveLength(365);
    expect(event.data.reports.every((r) => r.source === 'naver')).toBe(true);
    expect(event.data.clamped).toEqual([
      {
        reportType: 'AD',
        dateRange: { from: '2025-10-22', to: '2025-11-25' },
        reason: 'NAVER keeps AD for 365 days and Reportline has no stored copy',
      },
    ]);
    expect(event.data.reportJobs).toBe(365);
    const after = await simStats(main.customerId);
    expect(after.statJobsCreated - before.statJobsCreated).toBe(365);
    await expectFilesMatchNaver(main, event);
    // Names came with the reports: every campaign, ad group and ad id of the files has a name in the snapshot.
    expect(event.data.master).toBeDefined();
    const names = new Map<string, string>();
    for await (const e of readMasterSnapshot(await postgresBlobStore(pool).getStream(event.data.master!))) {
      names.set(e.id, e.name);
    }
    const ids = new Set<string>();
    for (const r of event.data.reports) {
      for (const line of (await storedText(r)).split('\n').filter(Boolean)) {
        const cols = line.split('\t');
        for (const id of [cols[2], cols[3], cols[5]]) ids.add(id!);
      }
    }
    expect(ids.size).toBeGreaterThan(0);
    expect([...ids].filter((id) => !names.get(id))).toEqual([]);
  });

  it('day 1: a second connection of the same customer id gets its 400 days from the store, with no lease', async () => {
    const b = await connection(main);
    const before = await simStats(main.customerId);
    const [id] = await request([b], window('2026-11-25', 400));
    const event = await downloaded(id!);
    expect(event.data.reports).toHaveLength(365);
    expect(event.data.reports.every((r) => r.source === 'store')).toBe(true);
    expect(event.data).toMatchObject({ naverRequests: 0, reportJobs: 0 });
    expect(event.fencingToken).toBeUndefined();
    expect(leaseRequested(id!)).toBe(false);
    expect((await simStats(main.customerId)).requests.total).toBe(before.requests.total);
    await expectFilesMatchNaver(main, event);

    // A grant that still comes for it (as an older lock-service would queue every request) is given back unused.
    const requested = tap.events.find((e) => e.type === 'ImportRequested' && e.importId === id)!;
    await tap.publish([
      makeEvent(
        LeaseRequestedV1,
        { request: requested.data as ImportRequest, naverReports: 0, storeReports: 365, verifyCredentials: false },
        { source: 'test', importId: id!, customerId: main.customerId, causedBy: requested, now: clock.now() },
      ),
    ]);
    expect(await tap.next('LeaseReleased', id!)).toMatchObject({ data: { outcome: 'done', naverRequests: 0 } });
    expect(tap.events.filter((e) => e.type === 'ReportsDownloaded' && e.importId === id)).toHaveLength(1);
  });

  it('day 1: a request older than the import lifetime (a consumer group reading from the start) is not revived', async () => {
    const old = makeEvent(
      ImportRequestedV1,
      {
        connectionId: a.connectionId,
        trigger: 'scheduled',
        priority: 'scheduled',
        reportTypes: ['AD'],
        dateRange: window('2026-11-25', 3),
        target: { spreadsheetId: 's', sheetName: 't' },
      },
      {
        source: 'test',
        importId: crypto.randomUUID(),
        customerId: main.customerId,
        now: new Date(clock.now().getTime() - 4 * 3_600_000),
      },
    );
    await tap.publish([old]);
    // The same customer id, so the same partition: once the next request is planned, the old one was read too.
    const [next] = await request([a], window('2026-11-25', 3));
    await downloaded(next!);
    expect(tap.events.filter((e) => e.importId === old.importId).map((e) => e.type)).toEqual(['ImportRequested']);
  });

  it('day 1: credentials NAVER did not accept are checked under a lease and never served stored data', async () => {
    const wrong = await connection({ ...main, secret: randomBytes(16).toString('base64') });
    const [id] = await request([wrong], window('2026-11-25', 30));
    const failed = await tap.next('ImportFailed', id!, 60_000);
    expect(failed.data).toMatchObject({ code: 'naver-credentials-invalid', retryable: false });
    expect(leaseRequested(id!)).toBe(true);
    expect(tap.events.some((e) => e.type === 'ReportsDownloaded' && e.importId === id)).toBe(false);
  });

  it('day 2: the daily update asks NAVER only for the restatement window; a CHANGED date is fetched again', async () => {
    clock.setKst('2026-11-27', 7);
    // NAVER restated 2026-11-25: its first job answers CHANGED, the next one serves the revised numbers.
    await knobs({
      scripted: [{ reportTp: 'AD', statDate: '2026-11-25', outcome: 'CHANGED', times: 1 }],
      revisions: [{ statDate: '2026-11-25', fromTime: clock.now().toISOString() }],
    });
    const before = await simStats(main.customerId);
    const [id] = await request([a], window('2026-11-26', 400));
    const event = await downloaded(id!);
    const fromNaver = event.data.reports.filter((r) => r.source === 'naver').map((r) => r.statDate);
    expect(fromNaver).toEqual(['2026-11-25', '2026-11-26']);
    // 2026-11-26 once, 2026-11-25 twice (CHANGED, then the revised report).
    expect((await simStats(main.customerId)).statJobsCreated - before.statJobsCreated).toBe(3);
    expect(event.data.pending).toEqual([]);
    await expectFilesMatchNaver(main, event, (d) => (d === '2026-11-25' ? 1 : 0));
  });

  it('day 3: yesterday is pending at 04:00 KST and fetched at 07:00', async () => {
    clock.setKst('2026-11-28', 4);
    const [early] = await request([a], window('2026-11-27', 10));
    const atFour = await downloaded(early!);
    expect(atFour.data.pending).toEqual([
      expect.objectContaining({ reportType: 'AD', statDate: '2026-11-27', code: 'not-ready' }),
    ]);
    expect(atFour.data.reports.map((r) => r.statDate)).not.toContain('2026-11-27');
    expect(atFour.data.reports).toHaveLength(9);

    clock.setKst('2026-11-28', 7);
    const [later] = await request([a], window('2026-11-27', 10));
    const atSeven = await downloaded(later!);
    expect(atSeven.data.pending).toEqual([]);
    expect(atSeven.data.reports.find((r) => r.statDate === '2026-11-27')).toMatchObject({ source: 'naver' });
    await expectFilesMatchNaver(main, atSeven, (d) => (d === '2026-11-25' ? 1 : 0));
  });

  it('day 4: five connections requested in the same second cost NAVER what one costs, with 0 overlaps', async () => {
    clock.setKst('2026-11-29', 7);
    const five = [a, ...(await Promise.all([1, 2, 3, 4].map(() => connection(main))))];
    const before = await simStats(main.customerId);
    const ids = await request(five, window('2026-11-28', 400));
    const events = await Promise.all(ids.map(downloaded));
    // One daily update: the window (2026-11-27, 2026-11-28), once.
    expect((await simStats(main.customerId)).statJobsCreated - before.statJobsCreated).toBe(2);
    expect(events.filter((e) => e.data.naverRequests > 0)).toHaveLength(1);
    // 365 days within NAVER's look-back, plus 2025-11-26..28: gone from NAVER since day 1, served from the store.
    for (const e of events) expect(e.data.reports).toHaveLength(368);
    expect(events[0]!.data.reports.slice(0, 3).map((r) => [r.statDate, r.source])).toEqual([
      ['2025-11-26', 'store'],
      ['2025-11-27', 'store'],
      ['2025-11-28', 'store'],
    ]);
    const overlaps = await (await fetch(`${naver.url}/_sim/overlaps?customerId=${main.customerId}`)).json();
    expect(overlaps).toMatchObject({ overlaps: [], unattributed: 0 });
  });
});

describe('a shared job pool', () => {
  /** A foreign tool's signed request on the same customer id (the reference's pitfall 6). */
  const foreign = (method: string, path: string, body?: object) =>
    fetch(`${naver.url}${path}`, {
      method,
      headers: {
        ...authHeaders(busy, clock.now().getTime(), method, path),
        ...(body ? { 'content-type': 'application/json; charset=UTF-8' } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
    });

  it('a foreign delete-all and a 101st-job eviction mid-import are detected and fetched again', async () => {
    await knobs({ reportBuildMs: 300 });
    const c = await connection(busy);
    const [id] = await request([c], window('2026-11-28', 80));
    const chunks = () => tap.events.filter((e) => e.type === 'ChunkDownloaded' && e.importId === id).length;
    await until('10 days downloaded', () => (chunks() >= 10 ? true : undefined), 60_000);
    expect((await foreign('DELETE', '/stat-reports')).status).toBe(204);
    await until('30 days downloaded', () => (chunks() >= 30 ? true : undefined), 60_000);
    for (let i = 0; i < 100; i++) {
      const res = await foreign('POST', '/stat-reports', { reportTp: 'AD_CONVERSION', statDt: '20261101' });
      expect(res.status).toBe(200);
    }
    const event = await downloaded(id!);
    await knobs({ reportBuildMs: 40 });
    expect(event.data.reports).toHaveLength(80);
    expect(event.data.pending).toEqual([]);
    await expectFilesMatchNaver(busy, event, (d) => (d === '2026-11-25' ? 1 : 0));
    // Every job of ours was deleted; the foreign tool's jobs were left alone.
    const { rows } = await pool.query(
      'SELECT count(*)::int AS open FROM fetcher.naver_jobs WHERE customer_id = $1 AND deleted_at IS NULL',
      [busy.customerId],
    );
    expect(rows[0].open).toBe(0);
    const pool100 = (await (await fetch(`${naver.url}/_sim/stat-jobs?customerId=${busy.customerId}`)).json()) as {
      reportTp: string;
    }[];
    expect(pool100.filter((j) => j.reportTp === 'AD_CONVERSION').length).toBeGreaterThan(0);
    // The import did meet vanished jobs (404 20011) and made new ones for them.
    const recorded = (await (await fetch(`${naver.url}/_sim/requests?customerId=${busy.customerId}`)).json()) as {
      origin: string | null;
      method: string;
      path: string;
      status: number | null;
    }[];
    const ours = recorded.filter((r) => r.origin?.startsWith(id!));
    expect(ours.filter((r) => r.status === 404).length).toBeGreaterThan(0);
    expect(event.data.reportJobs).toBeGreaterThan(80);
  });

  it('a grant for an import the scheduler cancelled is given back unused, with no NAVER call', async () => {
    const c = await connection(busy);
    const importId = crypto.randomUUID();
    const ids = { importId, customerId: busy.customerId, now: clock.now() };
    const before = await simStats(busy.customerId);
    // The cancel reaches the fetcher first; the grant the lock-service had already made (before it read the cancel)
    // arrives after it, on the leases topic.
    await tap.publish([
      makeEvent(
        ImportFailedV1,
        { stage: 'queue', code: 'cancelled', message: 'cancelled by a test', retryable: false },
        { source: 'scheduler', ...ids },
      ),
    ]);
    await until('the cancel recorded', async () =>
      (await pool.query('SELECT 1 FROM fetcher.fetches WHERE import_id = $1', [importId])).rowCount ? true : undefined,
    );
    const request: ImportRequest = {
      connectionId: c.connectionId,
      trigger: 'manual',
      priority: 'on-demand',
      reportTypes: ['AD'],
      dateRange: window('2026-11-20', 2),
      target: { spreadsheetId: 's', sheetName: 't' },
    };
    const expiresAt = new Date(clock.now().getTime() + 120_000).toISOString();
    await tap.publish([
      makeEvent(
        LockGrantedV2,
        { leaseTtlMs: 120_000, leaseExpiresAt: expiresAt, waitedMs: 10, request },
        { source: 'lock-service', ...ids, fencingToken: 9_001 },
      ),
    ]);
    expect(await tap.next('LeaseReleased', importId)).toMatchObject({ data: { outcome: 'done', naverRequests: 0 } });
    expect((await simStats(busy.customerId)).requests.total).toBe(before.requests.total);
    expect(tap.events.some((e) => e.type === 'ReportsDownloaded' && e.importId === importId)).toBe(false);
  });
});
