import { randomBytes } from 'node:crypto';
import {
  ImportRequestedV1,
  LockGrantedV1,
  makeEvent,
  naverSecretRef,
  type ReportlineEvent,
  type ReportType,
  topics,
} from '@reportline/contracts';
import { createTopics, isolatedEnvironment, uniquePrefix } from '@reportline/dev/test-environment';
import { until } from '@reportline/dev/wait';
import { startLockService } from '@reportline/lock-service/app';
import { lockServiceConfig } from '@reportline/lock-service/config';
import { entitiesFor, startSimulator, statRows } from '@reportline/naver-simulator';
import {
  type BlobStore,
  type Bus,
  createKafkaBus,
  createPool,
  loadConfig,
  type Pool,
  postgresBlobStore,
  postgresSecretStore,
  type Running,
  type SecretStore,
} from '@reportline/platform';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFetcher } from '../src/app.ts';
import { fetcherConfig } from '../src/config.ts';

/**
 * The reliability floor of the NAVER work, over a real broker, real Postgres, the real lock-service and the NAVER
 * simulator: a job NAVER never finishes ends its import within the bound and frees the customer id for the next
 * waiter; credentials for another customer id never reach NAVER.
 */
const BUILD_TIMEOUT_MS = 1_000;
const CONSUMER_ATTEMPTS = 3;
const ATTEMPTS = 3;
const STUCK_DAY = '2026-11-20';
const customer = {
  customerId: '7700001',
  apiKey: `0100000000${randomBytes(6).toString('hex')}`,
  secret: randomBytes(16).toString('base64'),
  size: 'small' as const,
  seed: 5,
};
const other = { ...customer, customerId: '7700002', seed: 6 };

const services: Running[] = [];
let naver: Awaited<ReturnType<typeof startSimulator>>;
let bus: Bus;
let pool: Pool;
let secrets: SecretStore;
let blobs: BlobStore;
let lockUrl: string;
const events: ReportlineEvent[] = [];

const eventOf = (type: string, importId: string) =>
  until(`${type} of import ${importId}`, () => events.find((e) => e.type === type && e.importId === importId), 30_000);

/** Stores credentials as the scheduler does, and publishes the import's request. */
async function requestImport(
  customerId: string,
  credentials: { customerId: string; apiKey: string; secret: string },
  dateRange: { from: string; to: string },
  reportTypes: ReportType[] = ['AD'],
) {
  const connectionId = crypto.randomUUID();
  await secrets.put(naverSecretRef(connectionId), credentials);
  const request = makeEvent(
    ImportRequestedV1,
    {
      connectionId,
      trigger: 'manual',
      priority: 'scheduled',
      reportTypes,
      dateRange,
      target: { spreadsheetId: 's', sheetName: 't' },
    },
    { source: 'test', importId: crypto.randomUUID(), customerId, now: new Date() },
  );
  return request;
}

beforeAll(async () => {
  const env = await isolatedEnvironment();
  const prefix = uniquePrefix();
  await createTopics(prefix);
  naver = await startSimulator({
    customers: [customer, other],
    knobs: { reportBuildMs: 150, dataReadyHourKst: 0, stuckJobs: [{ reportTp: 'AD', statDate: STUCK_DAY }] },
  });
  const secretsKey = randomBytes(32).toString('base64');
  const base = {
    KAFKA_BROKERS: env.kafkaBrokers.join(','),
    DATABASE_URL: env.databaseUrl,
    TOPIC_PREFIX: prefix,
    LOG_LEVEL: 'warn',
    INTERNAL_API_TOKEN: randomBytes(32).toString('base64url'),
  };
  const lock = await startLockService(loadConfig(lockServiceConfig, { ...base, TICK_MS: '100' }));
  services.push(lock);
  lockUrl = lock.url;
  services.push(
    await startFetcher(
      loadConfig(fetcherConfig, {
        ...base,
        SECRETS_KEY: secretsKey,
        NAVER_BASE_URL: naver.url,
        NAVER_SEND_ORIGIN: 'true',
        NAVER_POLL_MS: '100',
        NAVER_BUILD_TIMEOUT_MS: String(BUILD_TIMEOUT_MS),
        NAVER_MAX_ATTEMPTS: String(ATTEMPTS),
        LOCK_SERVICE_URL: lock.url,
        CONSUMER_MAX_ATTEMPTS: String(CONSUMER_ATTEMPTS),
        CONSUMER_RETRY_INITIAL_MS: '100',
        CONSUMER_RETRY_MAX_MS: '200',
      }),
    ),
  );
  pool = createPool(env.databaseUrl);
  secrets = postgresSecretStore(pool, Buffer.from(secretsKey, 'base64'));
  blobs = postgresBlobStore(pool);
  bus = createKafkaBus({ brokers: env.kafkaBrokers, clientId: 'fetcher-bounds-test', topicPrefix: prefix });
  await bus.subscribe({
    group: 'fetcher-bounds-observer',
    topics: [topics.imports, topics.leases, topics.downloads],
    handle: async (e) => {
      events.push(e);
    },
  });
});

afterAll(async () => {
  await bus?.close();
  for (const s of services.reverse()) await s.close();
  await pool?.end();
  await naver?.close();
});

describe('bounded NAVER work', () => {
  it('fails an import whose job stays RUNNING within the bound, releases the lease, and the next waiter completes', async () => {
    const stuck = await requestImport(customer.customerId, customer, { from: STUCK_DAY, to: STUCK_DAY });
    const next = await requestImport(customer.customerId, customer, { from: '2026-11-21', to: '2026-11-22' });
    await bus.publish([stuck, next]); // one key, one partition: `next` waits behind `stuck`

    const failed = await eventOf('ImportFailed', stuck.importId);
    expect(failed.data).toEqual({
      stage: 'download',
      code: 'naver-report-stuck',
      message:
        `NAVER did not finish building the AD report for ${STUCK_DAY} within 1 second, 3 times (last status RUNNING); ` +
        'NAVER may be overloaded — retry later',
      retryable: true,
    });
    const granted = await eventOf('LockGranted', stuck.importId);
    const took = Date.parse(failed.time) - Date.parse(granted.time);
    expect(took).toBeGreaterThanOrEqual(ATTEMPTS * BUILD_TIMEOUT_MS);
    expect(took).toBeLessThan(ATTEMPTS * BUILD_TIMEOUT_MS + 10_000);
    expect(await eventOf('LeaseReleased', stuck.importId)).toMatchObject({
      fencingToken: granted.fencingToken,
      data: { outcome: 'failed' },
    });

    // It created a fresh job per attempt and deleted every one: nothing of it is left in NAVER's pool of 100.
    const origin = `${stuck.importId}#${granted.fencingToken}`;
    const calls = (
      (await (await fetch(`${naver.url}/_sim/requests`)).json()) as { origin: string; method: string; path: string }[]
    )
      .filter((r) => r.origin === origin && r.path.startsWith('/stat-reports'))
      .map((r) => r.method);
    expect(calls.filter((m) => m === 'POST')).toHaveLength(ATTEMPTS);
    expect(calls.filter((m) => m === 'DELETE')).toHaveLength(ATTEMPTS);

    const downloaded = await eventOf('ReportsDownloaded', next.importId);
    // What the steps after the fetcher need is carried forward from the grant.
    expect(downloaded).toMatchObject({
      version: 3,
      data: { connectionId: next.data.connectionId, target: next.data.target },
    });
    const nextGrant = await eventOf('LockGranted', next.importId);
    expect(nextGrant.fencingToken).toBeGreaterThan(granted.fencingToken!);
    const reports = (downloaded.data as { reports: { statDate: string; outcome: string; file?: never }[] }).reports;
    expect(reports.map((r) => [r.statDate, r.outcome])).toEqual([
      ['2026-11-21', 'built'],
      ['2026-11-22', 'built'],
    ]);
    // The streamed file is what NAVER sent, byte for byte.
    const entities = entitiesFor(customer.customerId, customer.seed, customer.size);
    for (const r of reports) {
      const expected = statRows('AD', entities, customer.seed, r.statDate).map((row) => `${row.join('\t')}\n`);
      expect((await blobs.get(r.file!)).toString('utf8')).toBe(expected.join(''));
    }
    expect(await eventOf('LeaseReleased', next.importId)).toMatchObject({ data: { outcome: 'done' } });

    const pooled = (await (await fetch(`${naver.url}/_sim/stat-jobs?customerId=${customer.customerId}`)).json()) as [];
    expect(pooled).toEqual([]);
    const overlaps = await (await fetch(`${naver.url}/_sim/overlaps?customerId=${customer.customerId}`)).json();
    expect(overlaps).toEqual({ overlaps: [], unattributed: 0 });
    const lock = await until('the lease of the last import to be released', async () => {
      const view = (await (await fetch(`${lockUrl}/locks/${customer.customerId}`)).json()) as {
        holder: unknown;
        history: { importId: string; endedBy: string }[];
      };
      return view.holder === null && view.history.length === 2 ? view : undefined;
    });
    // The public view never shows fencing tokens; newest first.
    expect(lock.history.map((h) => [h.importId, h.endedBy])).toEqual([
      [next.importId, 'released'],
      [stuck.importId, 'released'],
    ]);
  });

  it('refuses stored credentials of another customer id before any lease or NAVER call, naming both ids only', async () => {
    const request = await requestImport(other.customerId, customer, { from: '2026-11-21', to: '2026-11-21' });
    await bus.publish([request]);
    const failed = await eventOf('ImportFailed', request.importId);
    expect(failed.data).toEqual({
      stage: 'download',
      code: 'credentials-customer-mismatch',
      message:
        `the stored NAVER credentials are for customer ${customer.customerId}, but this import's lease is for ` +
        `customer ${other.customerId}; reconnect the account with credentials for customer ${other.customerId}`,
      retryable: false,
    });
    // Refused when the import was planned: it never asked for the lease.
    expect(events.some((e) => e.type === 'LeaseRequested' && e.importId === request.importId)).toBe(false);
    const recorded = (await (await fetch(`${naver.url}/_sim/requests`)).json()) as { origin: string | null }[];
    expect(recorded.filter((r) => r.origin?.startsWith(request.importId))).toEqual([]);
    const published = JSON.stringify(events.filter((e) => e.importId === request.importId));
    expect(published).not.toContain(customer.apiKey);
    expect(published).not.toContain(customer.secret);
  });

  it('a LockGranted v1 without request data ends its import with a reason, the lease goes back, the next import completes', async () => {
    const legacyId = crypto.randomUUID();
    const now = new Date();
    // Played by the test as the lock-service grants a waiter it queued before it passed requests on: v1, no request.
    const legacyGrant = makeEvent(
      LockGrantedV1,
      { leaseTtlMs: 60_000, leaseExpiresAt: new Date(now.getTime() + 60_000).toISOString(), waitedMs: 0 },
      { source: 'test', importId: legacyId, customerId: customer.customerId, fencingToken: 900_001, now },
    );
    const next = await requestImport(customer.customerId, customer, { from: '2026-11-23', to: '2026-11-23' });
    const started = Date.now();
    await bus.publish([legacyGrant]); // same customer id: the same leases partition as the next grant
    await bus.publish([next]);

    const failed = (await eventOf('ImportFailed', legacyId)).data as { message: string };
    expect(failed).toMatchObject({ stage: 'download', code: 'grant-without-request', retryable: true });
    expect(failed.message).toContain("granted without the import's request");
    expect(await eventOf('LeaseReleased', legacyId)).toMatchObject({
      fencingToken: 900_001,
      data: { outcome: 'failed', naverRequests: 0 },
    });
    // Permanent: given up on at once, not after the bounded attempts.
    expect(Date.now() - started).toBeLessThan(10_000);
    const downloaded = (await eventOf('ReportsDownloaded', next.importId)).data as { reports: { outcome: string }[] };
    expect(downloaded.reports.map((r) => r.outcome)).toEqual(['built']);
    expect(events.filter((e) => e.type === 'ImportFailed' && e.importId === legacyId)).toHaveLength(1);
  });
});
