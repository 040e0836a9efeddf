import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChecksWorld, simCustomer, startChecksWorld } from './support/checks-world.ts';

/**
 * Credentials checks over a real broker, real Postgres, the real lock-service and the NAVER simulator: the scheduler's
 * CredentialsCheckRequested (played by the test) is answered with CredentialsChecked after one signed NAVER call
 * under the customer id's lease, which shows in the lock history like an import's hold and never overlaps one.
 */
const BUILD_TIMEOUT_MS = 3_000;
const ATTEMPTS = 2;
const STUCK_DAY = '2026-11-18';
const good = simCustomer('7710001', 11);
const unlinked = simCustomer('7710002', 12);
const busy = simCustomer('7710003', 13);

let w: ChecksWorld;
const checked = (checkId: string) => w.checked(checkId);
const eventOf = (type: string, importId: string, timeoutMs?: number) => w.eventOf(type, importId, timeoutMs);
const holdOf = (customerId: string, importId: string) => w.holdOf(customerId, importId);
const naverCalls = (origin: string) => w.naverCalls(origin);
const requestCheck: ChecksWorld['requestCheck'] = (customerId, credentials) => w.requestCheck(customerId, credentials);

beforeAll(async () => {
  w = await startChecksWorld({
    customers: [good, unlinked, busy],
    knobs: { reportBuildMs: 150, dataReadyHourKst: 0, stuckJobs: [{ reportTp: 'AD', statDate: STUCK_DAY }] },
    lock: {},
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
    const { rows } = await w.pool.query('SELECT 1 FROM fetcher.verified_credentials WHERE customer_id = $1', [
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
    const published = JSON.stringify(w.events.filter((e) => e.importId === check.importId));
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
    expect(w.events.some((e) => e.type === 'LeaseRequested' && e.importId === check.importId)).toBe(false);
  });

  it('waits for a long import holding the lease (no overlap) and goes before a scheduled import queued earlier', async () => {
    const long = await w.requestImport(busy, STUCK_DAY); // holds the lease for ATTEMPTS × BUILD_TIMEOUT_MS at least
    const longGrant = await eventOf('LockGranted', long.importId);
    const scheduled = await w.requestImport(busy, '2026-11-19');
    await eventOf('LockQueued', scheduled.importId);
    const check = await requestCheck(busy.customerId, busy);
    const queued = await eventOf('LockQueued', check.importId);
    // Queued while the long import still held the lease, at the head of the queue (on-demand before scheduled).
    expect(w.events.some((e) => e.type === 'LeaseReleased' && e.importId === long.importId)).toBe(false);
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
    const overlaps = await (await fetch(`${w.naverUrl}/_sim/overlaps?customerId=${busy.customerId}`)).json();
    expect(overlaps).toEqual({ overlaps: [], unattributed: 0 });
    expect(await naverCalls(`${check.importId}#${checkGrant.fencingToken}`)).toEqual(['GET /stat-reports']);
  }, 90_000);

  // Last: it makes NAVER fail every request for a while.
  it('NAVER answering 500: three tries of the one call, then naver-unavailable, retryable, the lease released', async () => {
    const knobs = (rates: object) =>
      fetch(`${w.naverUrl}/_sim/knobs`, {
        method: 'PATCH',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ rates }),
      });
    expect((await knobs({ http500: 1 })).ok).toBe(true);
    try {
      const check = await requestCheck(good.customerId, good);
      const answer = await checked(check.importId);
      expect(answer.data).toMatchObject({ ok: false, code: 'naver-unavailable', retryable: true, action: null });
      const grant = await eventOf('LockGranted', check.importId);
      expect(await naverCalls(`${check.importId}#${grant.fencingToken}`)).toEqual([
        'GET /stat-reports',
        'GET /stat-reports',
        'GET /stat-reports',
      ]);
      expect(await eventOf('LeaseReleased', check.importId)).toMatchObject({
        data: { outcome: 'failed', naverRequests: 3 },
      });
      expect(await holdOf(good.customerId, check.importId)).toMatchObject({ endedBy: 'released' });
    } finally {
      await knobs({ http500: 0 });
    }
  });
});
