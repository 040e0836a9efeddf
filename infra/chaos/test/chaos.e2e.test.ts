import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { type RestartableInfra, startRestartableInfra } from '../src/infra.ts';
import { passed, runChaos } from '../src/run.ts';

/**
 * The chaos harness at its smallest: every service as two child processes, 12 imports over 2 customer ids (3 tenants
 * each) and 2 simulated KST days, 4 faults from a fixed seed (the schedule is printed; the same seed gives the same
 * one). The exit criteria of `npm run chaos` must hold: nothing lost, stuck, overlapping at NAVER, wrong or duplicated
 * in a sheet, every connection had exactly one daily run each day, and every failed import says why.
 */
let infra: RestartableInfra | undefined;
afterAll(async () => {
  await infra?.stop();
});

it('keeps the invariants under a seeded fault schedule over two simulated days', { timeout: 420_000 }, async () => {
  // A broker and Postgres of its own: the restart faults must not restart what other test files run on.
  infra = await startRestartableInfra(() => {});
  const result = await runChaos({
    infra,
    imports: 12,
    faults: 4,
    // A broker restart, a SIGSTOP of a fetcher beyond the lease TTL, Sheets 429s and a foreign tool evicting our jobs.
    seed: 109,
    customers: 2,
    days: 2,
    lifetimeMs: 90_000,
    logDir: join('.cache', 'chaos', 'e2e'),
    log: (m) => process.stderr.write(`[chaos] ${m}\n`),
  });
  const { details, warnings, ...line } = result;
  process.stderr.write(`${JSON.stringify(line)}\n${warnings.join('\n')}\n`);
  expect(details).toEqual([]);
  expect(line).toMatchObject({ lost: 0, stuck: 0, overlaps: 0, mismatches: 0, duplicates: 0, reasonless: 0 });
  // 2 customer ids × 3 tenants: six connections, each with its daily run on both days.
  expect(line).toMatchObject({ days: 2, dailyRuns: 0, crashes: 0 });
  expect(Object.values(line.scheduledByDay)).toEqual([6, 6]);
  expect(passed(result)).toBe(true);
  expect(Object.values(line.faults).reduce((a, b) => a + b, 0) + line.faultsSkipped).toBe(4);
});
