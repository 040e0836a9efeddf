import { isolatedEnvironment } from '@reportline/dev/test-environment';
import { createPool, type Pool } from '@reportline/platform';
import { type RunningSheetsFake, startSheetsFake } from '@reportline/sheets-fake';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createQuotaScheduler, createSheetsPort, fakePrincipalAuth } from '../src/sheets/index.ts';
import { DEFAULT_LIMITS } from '../src/sheets/quota.ts';
import { bucketParams } from '../src/sheets/quota-rules.ts';
import { postgresQuotaStore } from '../src/sheets/quota-store.ts';
import { maxInWindow } from './fake-clock.ts';

/**
 * Two writer processes (two quota schedulers, each with its own Postgres pool) writing as one principal never exceed
 * Google's 60 writes per minute together, measured where Google would count them: the fake's request log. Time is
 * compressed 30×, for both sides: the schedulers' window is 2 s, and the fake's clock runs 30× fast, so its sliding
 * minute (and its 429s) last 2 s of real time.
 */
const SCALE = 30;
const WINDOW_MS = 60_000 / SCALE;
const PRINCIPAL = 'writer-1@reportline-test.iam.gserviceaccount.com';
const IMPORTS_PER_INSTANCE = 3;
const WRITES_PER_IMPORT = 30;
/**
 * A call may reach the fake this late after its slot (real milliseconds) without tripping its limit. Compression
 * makes any real delay 30× longer on the fake's clock, and parallel test files stall the event loop.
 */
const JITTER_MS = 150;

let fake: RunningSheetsFake;
const pools: Pool[] = [];

beforeAll(async () => {
  const env = await isolatedEnvironment();
  const t0 = Date.now();
  fake = await startSheetsFake({}, { now: () => t0 + (Date.now() - t0) * SCALE });
  for (let i = 0; i < 2; i++) pools.push(createPool(env.databaseUrl));
});

afterAll(async () => {
  for (const p of pools) await p.end();
  await fake?.close();
});

describe('quota shared by writer instances through Postgres', () => {
  it('keeps two instances under one principal within 60 writes per minute together, and fair across imports', async () => {
    const port = createSheetsPort({ rootUrl: `${fake.url}/`, auth: fakePrincipalAuth(PRINCIPAL), timeoutMs: 10_000 });
    const instances = pools.map((pool) =>
      createQuotaScheduler({
        store: postgresQuotaStore(pool),
        limits: { windowMs: WINDOW_MS, arrivalJitterMs: JITTER_MS },
      }).forPrincipal(PRINCIPAL, 'reportline-test'),
    );
    const imports = instances.flatMap((quota, i) =>
      Array.from({ length: IMPORTS_PER_INSTANCE }, (_, j) => {
        const spreadsheetId = `quota-${i}-${j}`;
        fake.state.seedSpreadsheet({ spreadsheetId });
        return { quota, spreadsheetId };
      }),
    );
    const started = Date.now();
    // Each import writes one call after another, as the write protocol does.
    const finished = await Promise.all(
      imports.map(async ({ quota, spreadsheetId }) => {
        for (let n = 0; n < WRITES_PER_IMPORT; n++) {
          await quota.run('values.update', () => port.updateValues(spreadsheetId, `Sheet1!A${n + 1}`, [[n]]));
        }
        return Date.now() - started;
      }),
    );
    const elapsed = Date.now() - started;

    const writes = fake.state.requests.filter((r) => r.method === 'values.update' && r.user === PRINCIPAL);
    expect(writes).toHaveLength(imports.length * WRITES_PER_IMPORT);
    expect(writes.every((r) => r.outcome === 200)).toBe(true); // not one 429
    expect(maxInWindow(writes.map((r) => r.at))).toBeLessThanOrEqual(60);

    // Busy the whole time: the first burst, then one slot per interval, so the run takes about its quota's worth.
    const { intervalMs, toleranceMs } = bucketParams(60, DEFAULT_LIMITS.burstFraction, WINDOW_MS, JITTER_MS);
    const ideal = (imports.length * WRITES_PER_IMPORT - 1) * intervalMs - toleranceMs;
    expect(elapsed).toBeGreaterThan(ideal * 0.9);
    expect(elapsed).toBeLessThan(ideal * 1.3);
    // Fair: the imports took turns, so they all finish together rather than one after another.
    expect(Math.max(...finished) - Math.min(...finished)).toBeLessThan(elapsed * 0.15);
    const mid = writes.filter((r) => r.at >= writes[0]!.at + 60_000 && r.at < writes[0]!.at + 120_000);
    const shares = imports.map((imp) => mid.filter((r) => r.spreadsheetId === imp.spreadsheetId).length);
    expect(Math.max(...shares) - Math.min(...shares)).toBeLessThanOrEqual(3);
  }, 30_000);
});
