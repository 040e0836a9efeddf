import { until } from '@reportline/dev/wait';
import type { LockServiceClient, RenewalAnswer } from '@reportline/lease-holder';
// The holder-side library lives with its user, the fetcher; its rules are the lock's, so they are tested here too.
import { keepLease, LeaseLostError, leaseDeadline, lockServiceClient } from '@reportline/lease-holder';
import { systemClock } from '@reportline/platform';
import { describe, expect, it } from 'vitest';

const TTL = 300;
const grantOf = (ttl = TTL, remaining = ttl) => ({
  leaseTtlMs: ttl,
  leaseExpiresAt: new Date(Date.now() + remaining).toISOString(),
});
const ids = {
  customerId: '338047',
  importId: '0b0c5b9e-3f3e-4c36-9a57-0d6f7f1d2a10',
  fencingToken: 7,
  leaseTtlMs: TTL,
};
const aborted = (signal: AbortSignal) =>
  new Promise<unknown>((r) => signal.addEventListener('abort', () => r(signal.reason), { once: true }));
const far = () => new Date(Date.now() + 3_600_000).toISOString();
const renewed = (ttl: number, overrides: Partial<RenewalAnswer & { held: true }> = {}): RenewalAnswer => ({
  held: true,
  token: 7,
  leaseTtlMs: ttl,
  leaseExpiresAt: new Date(Date.now() + ttl).toISOString(),
  maxHoldMs: 3_600_000,
  maxHoldUntil: far(),
  ...overrides,
});

function fakeLockService(answer: { renew: (ttl: number) => RenewalAnswer; token: number | null }, ttl = TTL) {
  const calls = { renew: 0, read: 0, renewedAt: [] as number[] };
  const client: LockServiceClient = {
    async renew() {
      calls.renew++;
      calls.renewedAt.push(performance.now());
      return answer.renew(ttl);
    },
    async currentToken() {
      calls.read++;
      return answer.token;
    },
  };
  return { client, calls, answer };
}
const holding = (ttl = TTL) => fakeLockService({ renew: (t) => renewed(t), token: 7 }, ttl);

describe('holder lease: deadline, renewal, token guard', () => {
  it('renews every TTL/3 and keeps the lease alive past its first TTL, measured from each send', async () => {
    const lease = leaseDeadline(systemClock, grantOf(), 20);
    const { client, calls } = holding();
    const keeper = keepLease({ clock: systemClock, lease, lockService: client, grant: ids });
    const firstStop = lease.stopStartingAt;
    await new Promise((r) => setTimeout(r, TTL * 1.5)); // bounded: the property is about elapsed time
    expect(calls.renew).toBeGreaterThanOrEqual(2);
    expect(lease.signal.aborted).toBe(false);
    expect(lease.stopStartingAt).toBeGreaterThan(firstStop);
    await keeper.guard();
    keeper.stop();
    const reason = await aborted(lease.signal); // no renewals: it runs out
    expect(reason).toBeInstanceOf(LeaseLostError);
    expect((reason as LeaseLostError).reason).toBe('deadline');
    lease.dispose();
  });

  it('renews a late grant at once when less than 2/3 of its TTL is left, and a fresh one only at TTL/3', async () => {
    const ttl = 900;
    for (const [remaining, earliest, latest] of [
      [400, 0, 150], // received with 400 of 900 ms left: at once
      [ttl, 250, 600], // received fresh: once 2/3 (600 ms) is left, i.e. after ~300 ms
    ] as const) {
      const lease = leaseDeadline(systemClock, grantOf(ttl, remaining), 20);
      const { client, calls } = holding(ttl);
      const start = performance.now();
      const keeper = keepLease({ clock: systemClock, lease, lockService: client, grant: { ...ids, leaseTtlMs: ttl } });
      const first = await until('first renewal', () => calls.renewedAt[0], 2_000, 5);
      expect(first - start).toBeGreaterThanOrEqual(earliest);
      expect(first - start).toBeLessThan(latest);
      keeper.stop();
      lease.dispose();
    }
  });

  it('aborts in-flight calls at once when a renewal is refused (released, expired, stale token)', async () => {
    const lease = leaseDeadline(systemClock, grantOf(), 20);
    const refused: RenewalAnswer = { held: false, reason: 'not-held', currentToken: 8 };
    const keeper = keepLease({
      clock: systemClock,
      lease,
      lockService: fakeLockService({ renew: () => refused, token: 8 }).client,
      grant: ids,
    });
    expect(await aborted(lease.signal)).toMatchObject({ name: 'LeaseLostError', reason: 'refused' });
    expect(() => lease.check()).toThrow(LeaseLostError);
    keeper.stop();
    lease.dispose();
  });

  it('stops with reason max-hold when a renewal is refused for the maximum hold', async () => {
    const lease = leaseDeadline(systemClock, grantOf(), 20);
    const refused: RenewalAnswer = { held: false, reason: 'max-hold', currentToken: 7, maxHoldMs: 1_800_000 };
    const keeper = keepLease({
      clock: systemClock,
      lease,
      lockService: fakeLockService({ renew: () => refused, token: 7 }).client,
      grant: ids,
    });
    expect(await aborted(lease.signal)).toMatchObject({ reason: 'max-hold', maxHoldMs: 1_800_000 });
    let thrown: unknown;
    try {
      lease.check();
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toMatchObject({ reason: 'max-hold' });
    keeper.stop();
    lease.dispose();
  });

  it('renews no more once a renewal reached the maximum hold, and reports reaching that deadline as max-hold', async () => {
    const lease = leaseDeadline(systemClock, grantOf(), 20);
    const capped = (ttl: number) => {
      const end = new Date(Date.now() + ttl / 2).toISOString();
      return renewed(ttl / 2, { leaseExpiresAt: end, maxHoldUntil: end, maxHoldMs: 5_000 });
    };
    const fake = fakeLockService({ renew: capped, token: 7 });
    const keeper = keepLease({ clock: systemClock, lease, lockService: fake.client, grant: ids });
    expect(await aborted(lease.signal)).toMatchObject({ reason: 'max-hold', maxHoldMs: 5_000 });
    expect(fake.calls.renew).toBe(1);
    keeper.stop();
    lease.dispose();
  });

  it('the guard refuses a call once another token holds the lease, asking at most once per cache period', async () => {
    const lease = leaseDeadline(systemClock, grantOf(10_000), 20);
    const fake = holding(10_000);
    const keeper = keepLease({
      clock: systemClock,
      lease,
      lockService: fake.client,
      grant: { ...ids, leaseTtlMs: 10_000 },
      tokenCacheMs: 0,
    });
    await keeper.guard();
    fake.answer.token = 8;
    await expect(keeper.guard()).rejects.toMatchObject({ name: 'LeaseLostError', reason: 'token-moved' });
    expect(lease.signal.aborted).toBe(true);
    keeper.stop();
    lease.dispose();
  });

  it('no call starts after deadline minus the safety margin', () => {
    const lease = leaseDeadline(systemClock, grantOf(), TTL);
    expect(() => lease.check()).toThrow(LeaseLostError);
    lease.dispose();
  });
});

describe('lock-service client: the lease API contract', () => {
  const credential = 'k'.repeat(43);
  const base = 'http://lock.test';
  const importId = ids.importId;
  function fakeFetch(status: number, body: unknown) {
    const seen: { url: string; init: RequestInit | undefined }[] = [];
    const doFetch = (async (url: string | URL | Request, init?: RequestInit) => {
      seen.push({ url: String(url), init });
      return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
    }) as typeof fetch;
    return { seen, client: lockServiceClient(base, { credential, fetch: doFetch }) };
  }
  const granted = {
    token: 7,
    leaseTtlMs: 120_000,
    leaseExpiresAt: '2026-11-22T05:02:00.000Z',
    maxHoldMs: 1_800_000,
    maxHoldUntil: '2026-11-22T05:30:00.000Z',
  };

  it('sends the service credential and parses a granted renewal', async () => {
    const { seen, client } = fakeFetch(200, granted);
    expect(await client.renew('338047', importId, 7)).toEqual({ held: true, ...granted });
    expect(seen[0]?.url).toBe(`${base}/locks/338047/renewals`);
    expect(new Headers(seen[0]?.init?.headers).get('authorization')).toBe(`Bearer ${credential}`);
  });

  it('tells a maximum-hold refusal from a lease that is not held', async () => {
    const problem = { title: 't', status: 409, detail: 'd' };
    const maxHold = { ...problem, type: 'urn:reportline:problem:lease-max-hold', currentToken: 7, maxHoldMs: 60_000 };
    expect(await fakeFetch(409, maxHold).client.renew('338047', importId, 7)).toEqual({
      held: false,
      reason: 'max-hold',
      currentToken: 7,
      maxHoldMs: 60_000,
    });
    const notHeld = { ...problem, type: 'urn:reportline:problem:lease-not-held', currentToken: null };
    expect(await fakeFetch(409, notHeld).client.renew('338047', importId, 7)).toMatchObject({
      held: false,
      reason: 'not-held',
      currentToken: null,
    });
  });

  it('rejects answers outside the contract instead of casting them, naming fields but no values', async () => {
    await expect(fakeFetch(200, { token: 7, leaseTtlMs: 'soon' }).client.renew('338047', importId, 7)).rejects.toThrow(
      /outside the lease API contract.*leaseTtlMs/,
    );
    await expect(fakeFetch(200, { holder: { token: 'x' } }).client.currentToken('338047')).rejects.toThrow(
      /holder read answered outside the lease API contract/,
    );
  });

  it('reads the current token with the credential, and says a 401 is a credential mismatch without echoing it', async () => {
    const answer = {
      customerId: '338047',
      holder: { importId, token: 9, grantedAt: granted.leaseExpiresAt, expiresAt: granted.leaseExpiresAt },
      lastToken: 9,
    };
    const { seen, client } = fakeFetch(200, answer);
    expect(await client.currentToken('338047')).toBe(9);
    expect(new Headers(seen[0]?.init?.headers).get('authorization')).toBe(`Bearer ${credential}`);
    const unauthorized = fakeFetch(401, { type: 'urn:reportline:problem:unauthenticated', title: 'x', status: 401 });
    const err = await unauthorized.client.renew('338047', importId, 7).catch((e: Error) => e);
    expect(String(err)).toMatch(/INTERNAL_API_TOKEN/);
    expect(String(err)).not.toContain(credential);
  });
});
