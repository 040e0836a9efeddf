import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { type EventOfType, ImportRequestedV1, makeEvent, naverSecretRef } from '@reportline/contracts';
import { killService, spawnService } from '@reportline/dev/child-service';
import { type EventTap, eventTap } from '@reportline/dev/event-tap';
import { createTopics, isolatedEnvironment, uniquePrefix } from '@reportline/dev/test-environment';
import { until } from '@reportline/dev/wait';
import { startLockService } from '@reportline/lock-service/app';
import { lockServiceConfig } from '@reportline/lock-service/config';
import { startSimulator, statReportTsv } from '@reportline/naver-simulator';
import {
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

/**
 * kill -9 of the fetcher mid-import, as a real crash: the process runs apart and gets SIGKILL after some days were
 * stored. No calendar entry may point at a file that is not there; the lease expires and the import fails with a
 * reason; the next import of the customer id resumes: it asks NAVER only for the days the killed one did not store.
 */
const server = fileURLToPath(new URL('../src/server.ts', import.meta.url));
const customer = {
  customerId: '8900001',
  apiKey: `0100000000${randomBytes(6).toString('hex')}`,
  secret: randomBytes(16).toString('base64'),
  size: 'tiny' as const,
  seed: 21,
};
const range = { from: '2026-09-01', to: '2026-10-10' }; // 40 days, far from the restatement window
const services: Running[] = [];
let child: ChildProcess | undefined;
let naver: Awaited<ReturnType<typeof startSimulator>>;
let tap: EventTap;
let pool: Pool;
let fetcherEnv: Record<string, string>;

beforeAll(async () => {
  const env = await isolatedEnvironment();
  const prefix = uniquePrefix();
  await createTopics(prefix);
  naver = await startSimulator({ customers: [customer], knobs: { reportBuildMs: 300, rateLimit: { perSecond: 0 } } });
  const base = {
    KAFKA_BROKERS: env.kafkaBrokers.join(','),
    DATABASE_URL: env.databaseUrl,
    TOPIC_PREFIX: prefix,
    LOG_LEVEL: 'warn',
    INTERNAL_API_TOKEN: randomBytes(32).toString('base64url'),
  };
  // A short lease, so the killed holder's lease expires within seconds (renewed every TTL/3, well before the 6 s
  // safety margin); the lock-delay covers its 1 s NAVER timeout.
  const lock = await startLockService(
    loadConfig(lockServiceConfig, { ...base, TICK_MS: '100', LEASE_TTL_MS: '20000', LOCK_DELAY_MS: '1500' }),
  );
  services.push(lock);
  fetcherEnv = {
    ...base,
    SECRETS_KEY: randomBytes(32).toString('base64'),
    NAVER_BASE_URL: naver.url,
    NAVER_SEND_ORIGIN: 'true',
    NAVER_POLL_MS: '100',
    NAVER_TIMEOUT_MS: '1000',
    LEASE_SAFETY_MARGIN_MS: '6000',
    NAVER_REQUESTS_PER_SECOND: '0',
    NAVER_MAX_OPEN_JOBS: '3',
    LOCK_SERVICE_URL: lock.url,
    PORT: '0',
  };
  pool = createPool(env.databaseUrl);
  const secrets = postgresSecretStore(pool, Buffer.from(fetcherEnv.SECRETS_KEY!, 'base64'));
  await secrets.put(naverSecretRef(connectionId), customer);
  tap = await eventTap(env.kafkaBrokers, prefix);
}, 120_000);

afterAll(async () => {
  child?.kill('SIGKILL');
  await tap?.close();
  for (const s of services.reverse()) await s.close();
  await pool?.end();
  await naver?.close();
});

const connectionId = crypto.randomUUID();
async function requestImport() {
  const event = makeEvent(
    ImportRequestedV1,
    {
      connectionId,
      trigger: 'manual',
      priority: 'on-demand',
      reportTypes: ['AD'],
      dateRange: range,
      target: { spreadsheetId: 's', sheetName: 't' },
    },
    { source: 'test', importId: crypto.randomUUID(), customerId: customer.customerId, now: new Date() },
  );
  await tap.publish([event]);
  return event.importId;
}

const spawnFetcher = () => spawnService('the fetcher', server, fetcherEnv);

describe('a fetcher killed mid-import', () => {
  it('leaves no calendar entry without its file; the import fails with a reason; the next one resumes', async () => {
    child = await spawnFetcher();
    const killed = await requestImport();
    const chunks = () => tap.events.filter((e) => e.type === 'ChunkDownloaded' && e.importId === killed).length;
    await until('8 days stored', () => (chunks() >= 8 ? true : undefined), 60_000);
    await killService(child);

    const failed = await tap.next('ImportFailed', killed, 60_000);
    expect(failed.data).toMatchObject({ stage: 'lease', code: 'lease-expired', retryable: true });

    const { rows: entries } = await pool.query<{ stat_date: string; file: { uri: string } }>(
      `SELECT stat_date::text, file FROM fetcher.calendar WHERE customer_id = $1 AND state IN ('fetched', 'none')`,
      [customer.customerId],
    );
    expect(entries.length).toBeGreaterThanOrEqual(8);
    expect(entries.length).toBeLessThan(40);
    const { rows: orphans } = await pool.query(
      `SELECT c.stat_date FROM fetcher.calendar c
        WHERE c.customer_id = $1 AND c.file IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM platform.blobs b WHERE 'blob://pg/' || b.key = c.file->>'uri')`,
      [customer.customerId],
    );
    expect(orphans).toEqual([]);

    services.push(await startFetcher(loadConfig(fetcherConfig, fetcherEnv)));
    const resumed = await requestImport();
    const done = (await tap.next('ReportsDownloaded', resumed, 90_000)) as EventOfType<'ReportsDownloaded'> & {
      version: 3;
    };
    expect(done.data.reports).toHaveLength(40);
    expect(done.data.reportJobs).toBe(40 - entries.length);
    const stored = new Set(entries.map((e) => e.stat_date));
    for (const r of done.data.reports) {
      expect(r.source, r.statDate).toBe(stored.has(r.statDate) ? 'store' : 'naver');
      const text = r.file ? (await postgresBlobStore(pool).get(r.file)).toString('utf8') : '';
      expect(text, r.statDate).toBe(statReportTsv(customer, 'AD', r.statDate));
    }
    // The killed run's open jobs were deleted under the next lease: none of ours is left at NAVER.
    const { rows } = await pool.query(
      'SELECT count(*)::int AS open FROM fetcher.naver_jobs WHERE customer_id = $1 AND deleted_at IS NULL',
      [customer.customerId],
    );
    expect(rows[0].open).toBe(0);
  }, 180_000);
});
