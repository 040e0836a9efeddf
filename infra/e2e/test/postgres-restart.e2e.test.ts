import { randomBytes } from 'node:crypto';
import { migrateAll } from '@reportline/dev/migrations';
import { startEmbeddedPostgres } from '@reportline/dev/postgres';
import { isolatedEnvironment } from '@reportline/dev/test-environment';
import { until } from '@reportline/dev/wait';
import { entitiesFor, statRows } from '@reportline/naver-simulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, connect, type System, startSystem } from './system.ts';

/**
 * Restarting Postgres during an import does not fail it. The services run on a Postgres server of this test's own
 * (the shared one serves other tests), which is restarted for real, with a fast shutdown, while the import is
 * downloading: every session ends with 57P01 and connections are refused until it is back.
 */
const customer = {
  customerId: '6600001',
  apiKey: `0100000000${randomBytes(6).toString('hex')}`,
  secret: randomBytes(16).toString('base64'),
  size: 'tiny' as const,
  seed: 21,
};
const days = Array.from({ length: 10 }, (_, i) => `2026-11-${String(10 + i).padStart(2, '0')}`);
let postgres: Awaited<ReturnType<typeof startEmbeddedPostgres>>;
let system: System;

beforeAll(async () => {
  const env = await isolatedEnvironment();
  postgres = await startEmbeddedPostgres(() => {});
  await migrateAll(postgres.url);
  system = await startSystem({
    kafkaBrokers: env.kafkaBrokers,
    databaseUrl: postgres.url,
    // Slow builds and a narrow window keep the import downloading for a few seconds: long enough to restart under it.
    naver: { customers: [customer], knobs: { reportBuildMs: 600, dataReadyHourKst: 0 } },
    env: { NAVER_MAX_OPEN_JOBS: '2', CONSUMER_RETRY_INITIAL_MS: '200', CONSUMER_RETRY_MAX_MS: '1000' },
  });
});

afterAll(async () => {
  await system?.close();
  await postgres?.stop();
});

describe('a Postgres restart mid-import', () => {
  it('completes the import with every day written exactly once', async () => {
    const range = { from: days[0]!, to: days.at(-1)! };
    const { spreadsheetId, firstImportId } = await connect(system, customer, '로우데이터', ['AD'], range);
    const importUrl = `${system.schedulerUrl}/imports/${firstImportId}`;
    await until('the first day downloaded', async () => {
      const { body } = await call('GET', importUrl);
      return body.progress?.completed >= 1 ? true : undefined;
    });

    await postgres.restart(2_000);

    const view = await until(
      'the import to end',
      async () => {
        const { body } = await call('GET', importUrl);
        return body.status === 'completed' || body.status === 'failed' ? body : undefined;
      },
      120_000,
    );
    expect(view.failure).toBeNull();
    expect(view.status).toBe('completed');
    expect(view.progress).toEqual({ completed: days.length, total: days.length });

    const [header, ...rows] = system.sheets.state.readTab(spreadsheetId, '로우데이터');
    expect(header?.[0]).toBe('날짜'); // the default layout's Korean headers
    expect(rows).toHaveLength(view.rowsWritten);
    expect(new Set(rows.map((r) => JSON.stringify(r))).size).toBe(rows.length); // no row twice
    const serial = (date: string) =>
      Math.round((Date.parse(`${date}T00:00:00Z`) - Date.UTC(1899, 11, 30)) / 86_400_000);
    // NAVER's truth, from the simulator's own data generator: the days that had any AD rows.
    const entities = entitiesFor(customer.customerId, customer.seed, customer.size);
    const active = days.filter((d) => statRows('AD', entities, customer.seed, d).length > 0);
    expect(active.length).toBeGreaterThan(5);
    expect(new Set(rows.map((r) => r[0]))).toEqual(new Set(active.map(serial)));
  });
});
