import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChecksWorld, simCustomer, startChecksWorld } from './support/checks-world.ts';

/**
 * A credentials check that cannot get the customer id's lease in time is still answered, as retryable, and never
 * calls NAVER: the lock-service's queue bound (here 2 s) ends its wait while a long import holds the lease.
 */
const QUEUE_WAIT_MS = 2_000;
const BUILD_TIMEOUT_MS = 3_000;
const ATTEMPTS = 2; // the holding import keeps the lease for at least ATTEMPTS × BUILD_TIMEOUT_MS > QUEUE_WAIT_MS
const STUCK_DAY = '2026-11-17';
const busy = simCustomer('7720001', 21);

let w: ChecksWorld;

beforeAll(async () => {
  w = await startChecksWorld({
    customers: [busy],
    knobs: { reportBuildMs: 150, dataReadyHourKst: 0, stuckJobs: [{ reportTp: 'AD', statDate: STUCK_DAY }] },
    lock: { LOCK_MAX_QUEUE_WAIT_MS: String(QUEUE_WAIT_MS) },
    fetcher: {
      NAVER_BUILD_TIMEOUT_MS: String(BUILD_TIMEOUT_MS),
      NAVER_MAX_ATTEMPTS: String(ATTEMPTS),
      MASTER_WAIT_MS: '0',
    },
  });
});

afterAll(async () => {
  await w?.close();
});

describe('a credentials check that cannot get the lease', () => {
  it('is answered lease-unavailable, retryable, after the queue bound, without a grant or a NAVER call', async () => {
    const long = await w.requestImport(busy, STUCK_DAY);
    await w.eventOf('LockGranted', long.importId);
    const check = await w.requestCheck(busy.customerId, busy);
    await w.eventOf('LockQueued', check.importId);

    const answer = await w.checked(check.importId);
    expect(answer.data).toMatchObject({
      connectionId: check.data.connectionId,
      ok: false,
      code: 'lease-unavailable',
      action: null,
      retryable: true,
    });
    // The lock-service's reason is passed on: it timed the check out in the queue.
    expect(await w.eventOf('ImportFailed', check.importId)).toMatchObject({
      source: 'lock-service',
      data: { stage: 'queue', code: 'queue-timeout' },
    });
    // Answered while the import still held the lease: the check was never granted, and NAVER never heard of it.
    expect(w.events.some((e) => e.type === 'LeaseReleased' && e.importId === long.importId)).toBe(false);
    await w.holdOf(busy.customerId, long.importId);
    expect(w.events.some((e) => e.type === 'LockGranted' && e.importId === check.importId)).toBe(false);
    expect((await w.lockHistory(busy.customerId)).map((h) => h.importId)).toEqual([long.importId]);
    const recorded = (await (await fetch(`${w.naverUrl}/_sim/requests`)).json()) as { origin: string | null }[];
    expect(recorded.filter((r) => r.origin?.startsWith(check.importId))).toEqual([]);
    expect(w.events.filter((e) => e.type === 'CredentialsChecked' && e.importId === check.importId)).toHaveLength(1);
  }, 60_000);
});
