import type { LockServiceClient } from '@reportline/lease-holder';
// The holder-side library lives with its user, the fetcher; its rules are the lock's, so they are tested here too.
import { keepLease, LeaseLostError, leaseDeadline } from '@reportline/lease-holder';
import { systemClock } from '@reportline/platform';
import { describe, expect, it } from 'vitest';

const TTL = 300;
const grantOf = () => ({ leaseTtlMs: TTL, leaseExpiresAt: new Date(Date.now() + TTL).toISOString() });
const ids = {
  customerId: '338047',
  importId: '0b0c5b9e-3f3e-4c36-9a57-0d6f7f1d2a10',
  fencingToken: 7,
  leaseTtlMs: TTL,
};
const aborted = (signal: AbortSignal) =>
  new Promise<unknown>((r) => signal.addEventListener('abort', () => r(signal.reason), { once: true }));

function fakeLockService(answer: { held: boolean; token: number | null }) {
  const calls = { renew: 0, read: 0 };
  const client: LockServiceClient = {
    async renew() {
      calls.renew++;
      return answer.held ? { held: true, leaseTtlMs: TTL } : { held: false };
    },
    async currentToken() {
      calls.read++;
      return answer.token;
    },
  };
  return { client, calls, answer };
}

describe('holder lease: deadline, renewal, token guard', () => {
  it('renews every TTL/3 and keeps the lease alive past its first TTL, measured from each send', async () => {
    const lease = leaseDeadline(systemClock, grantOf(), 20);
    const { client, calls } = fakeLockService({ held: true, token: 7 });
    const keeper = keepLease({ clock: systemClock, lease, lockService: client, grant: ids });
    const firstStop = lease.stopStartingAt;
    await new Promise((r) => setTimeout(r, TTL * 1.5)); // bounded: the property is about elapsed time
    expect(calls.renew).toBeGreaterThanOrEqual(2);
    expect(lease.signal.aborted).toBe(false);
    expect(lease.stopStartingAt).toBeGreaterThan(firstStop);
    await keeper.guard();
    keeper.stop();
    expect(await aborted(lease.signal)).toBeInstanceOf(LeaseLostError); // no renewals: it runs out
    lease.dispose();
  });

  it('aborts in-flight calls at once when a renewal is refused (released, expired, stale token)', async () => {
    const lease = leaseDeadline(systemClock, grantOf(), 20);
    const keeper = keepLease({
      clock: systemClock,
      lease,
      lockService: fakeLockService({ held: false, token: 8 }).client,
      grant: ids,
    });
    expect(await aborted(lease.signal)).toBeInstanceOf(LeaseLostError);
    expect(() => lease.check()).toThrow(LeaseLostError);
    keeper.stop();
    lease.dispose();
  });

  it('the guard refuses a call once another token holds the lease, asking at most once per cache period', async () => {
    const lease = leaseDeadline(
      systemClock,
      { leaseTtlMs: 10_000, leaseExpiresAt: new Date(Date.now() + 10_000).toISOString() },
      20,
    );
    const fake = fakeLockService({ held: true, token: 7 });
    const keeper = keepLease({
      clock: systemClock,
      lease,
      lockService: fake.client,
      grant: { ...ids, leaseTtlMs: 10_000 },
      tokenCacheMs: 0,
    });
    await keeper.guard();
    fake.answer.token = 8;
    await expect(keeper.guard()).rejects.toBeInstanceOf(LeaseLostError);
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
