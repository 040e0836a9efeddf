import { randomBytes } from 'node:crypto';
import {
  CredentialsCheckRequestedV1,
  ImportRequestedV1,
  makeEvent,
  naverSecretRef,
  type ReportlineEvent,
  topics,
} from '@reportline/contracts';
import { createTopics, isolatedEnvironment, uniquePrefix } from '@reportline/dev/test-environment';
import { until } from '@reportline/dev/wait';
import { startLockService } from '@reportline/lock-service/app';
import { lockServiceConfig } from '@reportline/lock-service/config';
import { startSimulator } from '@reportline/naver-simulator';
import {
  type Bus,
  createKafkaBus,
  createPool,
  loadConfig,
  type Pool,
  postgresSecretStore,
  type Running,
  type SecretStore,
} from '@reportline/platform';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFetcher } from '../src/app.ts';
import { fetcherConfig } from '../src/config.ts';

/**
 * Credentials checks over a real broker, real Postgres, the real lock-service and the NAVER simulator: the scheduler's
 * CredentialsCheckRequested (played by the test) is answered with CredentialsChecked after one signed NAVER call
 * under the customer id's lease, which shows in the lock history like an import's hold and never overlaps one.
 */
const BUILD_TIMEOUT_MS = 3_000;
const ATTEMPTS = 2;
const STUCK_DAY = '2026-11-18';
const license = () => ({
  apiKey: `0100000000${randomBytes(6).toString('hex')}`,
  secret: randomBytes(16).toString('base64'),
});
const good = { customerId: '7710001', ...license(), size: 'tiny' as const, seed: 11 };
const unlinked = { customerId: '7710002', ...license(), size: 'tiny' as const, seed: 12 };
const busy = { customerId: '7710003', ...license(), size: 'tiny' as const, seed: 13 };

const services: Running[] = [];
let naver: Awaited<ReturnType<typeof startSimulator>>;
let bus: Bus;
let pool: Pool;
let secrets: SecretStore;
let lockUrl: string;
const events: ReportlineEvent[] = [];

const eventOf = (type: string, importId: string, timeoutMs = 30_000) =>
  until(`${type} of ${importId}`, () => events.find((e) => e.type === type && e.importId === importId), timeoutMs);
const checked = async (checkId: string) =>
  (await eventOf('CredentialsChecked', checkId)) as Extract<ReportlineEvent, { type: 'CredentialsChecked' }>;

interface Hold {
  importId: string;
  grantedAt: string;
  endedAt: string | null;
  endedBy: string | null;
}
const lockHistory = async (customerId: string) =>
  ((await (await fetch(`${lockUrl}/locks/${customerId}`)).json()) as { holder: unknown; history: Hold[] }).history;
const holdOf = (customerId: string, importId: string) =>
  until(`the ended hold of ${importId}`, async () =>
    (await lockHistory(customerId)).find((h) => h.importId === importId && h.endedAt !== null),
  );
const naverCalls = async (origin: string) =>
  (
    (await (await fetch(`${naver.url}/_sim/requests`)).json()) as {
      origin: string | null;
      method: string;
      path: string;
    }[]
  )
    .filter((r) => r.origin === origin)
    .map((r) => `${r.method} ${r.path.split('?')[0]}`);

/** Stores the connection's credentials as the scheduler does (unless `null`) and publishes its check request. */
async function requestCheck(
  customerId: string,
  credentials: { customerId: string; apiKey: string; secret: string } | null,
) {
  const connectionId = crypto.randomUUID();
  if (credentials) await secrets.put(naverSecretRef(connectionId), credentials);
  const request = makeEvent(
    CredentialsCheckRequestedV1,
    { connectionId, reason: 'created' },
    { source: 'test', importId: crypto.randomUUID(), customerId, now: new Date() },
  );
  await bus.publish([request]);
  return request;
}

async function requestImport(c: typeof busy, day: string) {
  const connectionId = crypto.randomUUID();
  await secrets.put(naverSecretRef(connectionId), { customerId: c.customerId, apiKey: c.apiKey, secret: c.secret });
  const request = makeEvent(
    ImportRequestedV1,
    {
      connectionId,
      trigger: 'scheduled',
      priority: 'scheduled',
      reportTypes: ['AD'],
      dateRange: { from: day, to: day },
      target: { spreadsheetId: 's', sheetName: 't' },
    },
    { source: 'test', importId: crypto.randomUUID(), customerId: c.customerId, now: new Date() },
  );
  await bus.publish([request]);
  return request;
}

beforeAll(async () => {
  const env = await isolatedEnvironment();
  const prefix = uniquePrefix();
  await createTopics(prefix);
  naver = await startSimulator({
    customers: [good, unlinked, busy],
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
        MASTER_WAIT_MS: '0',
        LOCK_SERVICE_URL: lock.url,
        CONSUMER_RETRY_INITIAL_MS: '100',
        CONSUMER_RETRY_MAX_MS: '200',
      }),
    ),
  );
  pool = createPool(env.databaseUrl);
  secrets = postgresSecretStore(pool, Buffer.from(secretsKey, 'base64'));
  bus = createKafkaBus({ brokers: env.kafkaBrokers, clientId: 'fetcher-checks-test', topicPrefix: prefix });
  await bus.subscribe({
    group: 'fetcher-checks-observer',
    topics: [topics.imports, topics.leases],
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

describe('credentials checks', () => {
  it('good credentials: ok, after exactly one signed NAVER call under a lease the lock history shows, released at once', async () => {
    const check = await requestCheck(good.customerId, good);
    const answer = await checked(check.importId);
    expect(answer.data).toEqual({
      connectionId: check.data.connectionId,
      ok: true,
      code: null,
      message: null,
      action: null,
      retryable: false,
    });
    const grant = await eventOf('LockGranted', check.importId);
    expect(grant).toMatchObject({ version: 3, data: { work: { kind: 'credentials-check', check: check.data } } });
    expect(answer.fencingToken).toBe(grant.fencingToken);
    expect(await eventOf('LeaseReleased', check.importId)).toMatchObject({
      fencingToken: grant.fencingToken,
      data: { outcome: 'done', naverRequests: 1 },
    });
    expect(await naverCalls(`${check.importId}#${grant.fencingToken}`)).toEqual(['GET /stat-reports']);
    expect(await holdOf(good.customerId, check.importId)).toMatchObject({ endedBy: 'released' });
    // Recorded as verified for the customer id: its imports may now be served from the store.
    const { rows } = await pool.query('SELECT 1 FROM fetcher.verified_credentials WHERE customer_id = $1', [
      good.customerId,
    ]);
    expect(rows).toHaveLength(1);
  });

  it('a bad secret: naver-credentials-invalid, not retryable, the lease released; nothing secret in the answer', async () => {
    const wrong = { customerId: good.customerId, apiKey: good.apiKey, secret: randomBytes(16).toString('base64') };
    const check = await requestCheck(good.customerId, wrong);
    const answer = await checked(check.importId);
    expect(answer.data).toMatchObject({
      connectionId: check.data.connectionId,
      ok: false,
      code: 'naver-credentials-invalid',
      retryable: false,
      action: 'Issue a new API key and secret in NAVER Search Ad > Tools > API manager and update the connection',
    });
    expect(answer.data.message).toContain(good.customerId);
    expect(await eventOf('LeaseReleased', check.importId)).toMatchObject({ data: { outcome: 'failed' } });
    expect(await holdOf(good.customerId, check.importId)).toMatchObject({ endedBy: 'released' });
    const published = JSON.stringify(events.filter((e) => e.importId === check.importId));
    expect(published).not.toContain(wrong.secret);
    expect(published).not.toContain(good.apiKey);
  });

  it('a license not linked to the customer id (NAVER 1018): naver-license-not-linked, not retryable', async () => {
    // Another account's valid key and secret, used for this customer id: the simulator answers 404 1018.
    const check = await requestCheck(unlinked.customerId, { ...good, customerId: unlinked.customerId });
    const answer = await checked(check.importId);
    expect(answer.data).toMatchObject({ ok: false, code: 'naver-license-not-linked', retryable: false });
  });

  it('no credentials stored: credentials-missing at once, without a lease or a NAVER call', async () => {
    const check = await requestCheck(good.customerId, null);
    const answer = await checked(check.importId);
    expect(answer.data).toMatchObject({ ok: false, code: 'credentials-missing', retryable: false });
    expect(answer.data.message).toContain(check.data.connectionId);
    expect(events.some((e) => e.type === 'LeaseRequested' && e.importId === check.importId)).toBe(false);
  });

  it('waits for a long import holding the lease (no overlap) and goes before a scheduled import queued earlier', async () => {
    const long = await requestImport(busy, STUCK_DAY); // holds the lease for ATTEMPTS × BUILD_TIMEOUT_MS at least
    const longGrant = await eventOf('LockGranted', long.importId);
    const scheduled = await requestImport(busy, '2026-11-19');
    await eventOf('LockQueued', scheduled.importId);
    const check = await requestCheck(busy.customerId, busy);
    const queued = await eventOf('LockQueued', check.importId);
    // Queued while the long import still held the lease, at the head of the queue (on-demand before scheduled).
    expect(events.some((e) => e.type === 'LeaseReleased' && e.importId === long.importId)).toBe(false);
    expect(queued.data).toMatchObject({ priority: 'on-demand', position: 1, queueLength: 2 });

    expect((await checked(check.importId)).data).toMatchObject({ ok: true });
    const checkGrant = await eventOf('LockGranted', check.importId);
    const scheduledGrant = await eventOf('LockGranted', scheduled.importId, 60_000);
    expect(checkGrant.fencingToken).toBe(longGrant.fencingToken! + 1);
    expect(scheduledGrant.fencingToken).toBe(checkGrant.fencingToken! + 1);

    const [longHold, checkHold, scheduledHold] = await Promise.all(
      [long, check, scheduled].map((e) => holdOf(busy.customerId, e.importId)),
    );
    expect(Date.parse(checkHold!.grantedAt)).toBeGreaterThanOrEqual(Date.parse(longHold!.endedAt!));
    expect(Date.parse(scheduledHold!.grantedAt)).toBeGreaterThanOrEqual(Date.parse(checkHold!.endedAt!));
    // NAVER's own view: no two leases' calls overlapped for the customer id, and every call was attributed.
    const overlaps = await (await fetch(`${naver.url}/_sim/overlaps?customerId=${busy.customerId}`)).json();
    expect(overlaps).toEqual({ overlaps: [], unattributed: 0 });
    expect(await naverCalls(`${check.importId}#${checkGrant.fencingToken}`)).toEqual(['GET /stat-reports']);
  }, 90_000);
});
