import { examples, LeaseReleasedV2 } from '@reportline/contracts';
import { describe, expect, it } from 'vitest';
import { commandFor } from '../src/domain/commands.ts';
import { decide, evolve, nextDeadline, renewalRefusal } from '../src/domain/decide.ts';
import { type CustomerLock, emptyLock, type LockCommand, type LockEvent } from '../src/domain/lock.ts';
import { toPublished } from '../src/domain/publish.ts';
import { requestData } from './support/events.ts';

const policy = { leaseTtlMs: 60_000, lockDelayMs: 35_000, maxHoldMs: 300_000, maxQueueWaitMs: 120_000 };
const T0 = new Date('2026-11-22T05:00:00.000Z');
const at = (s: number) => new Date(T0.getTime() + s * 1000);
/** Import ids in these specs are short numbers; events carry them as UUIDs. */
const id = (n: string) => `00000000-0000-4000-8000-${n.padStart(12, '0')}`;
const requestEventId = (n: string) => `00000000-0000-4000-9000-${n.padStart(12, '0')}`;
const request = (n: string, priority: 'on-demand' | 'scheduled' = 'scheduled'): LockCommand => ({
  kind: 'request',
  importId: id(n),
  priority,
  eventId: requestEventId(n),
  correlationId: requestEventId(n),
  request: { ...requestData(priority), connectionId: id(n) },
});

/** Given the commands already decided (each at its time), when one more arrives, then these events. */
function given(history: [LockCommand, Date][]) {
  let state: CustomerLock = emptyLock('338047');
  for (const [cmd, now] of history) state = decide(state, cmd, now, policy).reduce(evolve, state);
  return {
    state,
    when: (cmd: LockCommand, now: Date) => {
      const events = decide(state, cmd, now, policy);
      const published = toPublished(state, events, now, policy);
      return { events, state: events.reduce(evolve, state), kinds: events.map((e) => e.kind), published };
    },
  };
}
const release = (n: string, token: number, aborted = false): LockCommand => ({
  kind: 'release',
  importId: id(n),
  token,
  aborted,
});
const renew = (n: string, token: number): LockCommand => ({ kind: 'renew', importId: id(n), token });
const granted = (events: LockEvent[]) => events.flatMap((e) => (e.kind === 'granted' ? [e.holder] : []));

/** A credentials check's request, as commandFor makes it of a LeaseRequested v2: on-demand, no import request. */
const checkRequest = (n: string): LockCommand => ({
  kind: 'request',
  importId: id(n),
  priority: 'on-demand',
  eventId: requestEventId(n),
  correlationId: requestEventId(n),
  request: null,
  check: { connectionId: id(n), reason: 'rotated' },
});

describe('lock decider: credentials checks', () => {
  it('given an import holding the lease and a scheduled import waiting, when a check asks, then it waits for the holder and is granted before the scheduled import', () => {
    const g = given([
      [request('1'), at(0)],
      [request('2', 'scheduled'), at(1)],
    ]);
    const asked = g.when(checkRequest('3'), at(2));
    expect(asked.kinds).toEqual(['queued']);
    expect(asked.published).toMatchObject([{ type: 'LockQueued', data: { priority: 'on-demand', position: 1 } }]);

    const freed = given([
      [request('1'), at(0)],
      [request('2', 'scheduled'), at(1)],
      [checkRequest('3'), at(2)],
    ]).when(release('1', 1), at(10));
    expect(freed.kinds).toEqual(['released', 'granted']);
    expect(granted(freed.events)[0]).toMatchObject({ importId: id('3'), token: 2 });
    expect(freed.state.queue.map((w) => w.importId)).toEqual([id('2')]);
  });

  it('given a check granted, when the lock publishes the grant, then it is LockGranted v3 carrying the check, fenced', () => {
    const { published } = given([]).when(checkRequest('3'), at(0));
    expect(published.map((e) => [e.type, e.version])).toEqual([
      ['LockQueued', 1],
      ['LockGranted', 3],
    ]);
    expect(published[1]).toMatchObject({
      importId: id('3'),
      fencingToken: 1,
      data: { work: { kind: 'credentials-check', check: { connectionId: id('3'), reason: 'rotated' } } },
    });
  });

  it('given a check holding the lease, when it releases, then the next import is granted with v2 as before', () => {
    const { published } = given([
      [checkRequest('3'), at(0)],
      [request('1'), at(1)],
    ]).when(release('3', 1), at(3));
    expect(published.map((e) => [e.type, e.version])).toEqual([['LockGranted', 2]]);
    expect(published[0]).toMatchObject({ importId: id('1'), fencingToken: 2 });
  });
});

describe('lock decider', () => {
  it('grants a free lock at once with token 1 and a lease of the policy TTL', () => {
    const { events } = given([]).when(request('1'), at(0));
    expect(events.map((e) => e.kind)).toEqual(['queued', 'granted']);
    expect(granted(events)[0]).toMatchObject({ importId: id('1'), token: 1, expiresAt: at(60).toISOString() });
  });

  it('queues a second import of the same customer id behind the holder', () => {
    const { kinds, state } = given([[request('1'), at(0)]]).when(request('2'), at(1));
    expect(kinds).toEqual(['queued']);
    expect(state.holder?.importId).toBe(id('1'));
    expect(state.queue.map((w) => w.importId)).toEqual([id('2')]);
  });

  it('ignores a redelivered request of the holder or of a waiter', () => {
    const g = given([
      [request('1'), at(0)],
      [request('2'), at(1)],
    ]);
    expect(g.when(request('1'), at(2)).events).toEqual([]);
    expect(g.when(request('2'), at(2)).events).toEqual([]);
  });

  it('grants the next waiter at once after a clean release, with a greater token', () => {
    const { kinds, events } = given([
      [request('1'), at(0)],
      [request('2'), at(1)],
    ]).when(release('1', 1), at(5));
    expect(kinds).toEqual(['released', 'granted']);
    expect(granted(events)[0]).toMatchObject({ importId: id('2'), token: 2 });
  });

  it('ignores a stale release (wrong token) so it cannot free the current lease', () => {
    const g = given([
      [request('1'), at(0)],
      [request('2'), at(1)],
      [release('1', 1), at(2)],
    ]);
    expect(g.when(release('1', 1), at(3)).events).toEqual([]);
    expect(g.when(release('2', 1), at(3)).events).toEqual([]);
    expect(g.state.holder).toMatchObject({ importId: id('2'), token: 2 });
  });

  it('expires a lease that was not released and grants the next waiter only after the lock-delay', () => {
    const g = given([
      [request('1'), at(0)],
      [request('2'), at(1)],
    ]);
    expect(g.when({ kind: 'tick' }, at(59)).events).toEqual([]);
    const expiry = g.when({ kind: 'tick' }, at(60));
    expect(expiry.kinds).toEqual(['expired']);
    const afterExpiry = given([
      [request('1'), at(0)],
      [request('2'), at(1)],
      [{ kind: 'tick' }, at(60)],
    ]);
    expect(afterExpiry.when({ kind: 'tick' }, at(94)).events).toEqual([]);
    expect(granted(afterExpiry.when({ kind: 'tick' }, at(95)).events)[0]).toMatchObject({
      importId: id('2'),
      token: 2,
    });
  });

  it('puts on-demand imports ahead of scheduled ones, FIFO within a priority', () => {
    const { events } = given([
      [request('1'), at(0)],
      [request('2', 'scheduled'), at(1)],
      [request('3', 'on-demand'), at(2)],
      [request('4', 'on-demand'), at(3)],
    ]).when(release('1', 1), at(4));
    expect(granted(events)[0]?.importId).toBe(id('3'));
  });

  it('removes a cancelled import from the queue and remembers cancelling one it has not seen yet', () => {
    const g = given([
      [request('1'), at(0)],
      [request('2'), at(1)],
    ]);
    const { kinds, state } = g.when({ kind: 'cancel', importId: id('2') }, at(2));
    expect(kinds).toEqual(['dequeued']);
    expect(state.queue).toEqual([]);
    expect(g.when({ kind: 'cancel', importId: id('9') }, at(2)).kinds).toEqual(['forgotten']);
  });

  it('renews the holder (compare-and-set on import and token), extending from now, never shortening', () => {
    const g = given([[request('1'), at(0)]]);
    const { kinds, state, events } = g.when(renew('1', 1), at(20));
    expect(kinds).toEqual(['renewed']);
    expect(state.holder?.expiresAt).toBe(at(80).toISOString());
    expect(events[0]).toMatchObject({ token: 1, expiresAt: at(80).toISOString() });
    expect(g.when(renew('1', 2), at(20)).events).toEqual([]);
    expect(g.when(renew('9', 1), at(20)).events).toEqual([]);
  });

  it('does not revive a lease past its expiry: the late renewal is refused and the sweep expires it', () => {
    const g = given([[request('1'), at(0)]]);
    expect(g.when(renew('1', 1), at(60)).events).toEqual([]);
    expect(g.when({ kind: 'tick' }, at(60)).kinds).toEqual(['expired']);
  });

  it('keeps a renewed lease past its original expiry', () => {
    const g = given([
      [request('1'), at(0)],
      [request('2'), at(1)],
      [renew('1', 1), at(40)],
    ]);
    expect(g.when({ kind: 'tick' }, at(61)).events).toEqual([]);
    expect(g.when({ kind: 'tick' }, at(100)).kinds).toEqual(['expired']);
  });

  it('refuses renewals and releases of a lease that expired, even by its former holder', () => {
    const g = given([
      [request('1'), at(0)],
      [{ kind: 'tick' }, at(60)],
    ]);
    expect(g.when(renew('1', 1), at(61)).events).toEqual([]);
    expect(g.when(release('1', 1), at(61)).events).toEqual([]);
  });

  it('takes away the lease of a granted import that never starts (never renews nor releases) at its expiry', () => {
    const g = given([
      [request('1'), at(0)],
      [request('2'), at(1)],
    ]);
    const expiry = g.when({ kind: 'tick' }, at(60));
    expect(expiry.events[0]).toMatchObject({
      kind: 'expired',
      importId: id('1'),
      token: 1,
      lockDelayUntil: at(95).toISOString(),
    });
    expect(expiry.state.holder).toBeNull();
  });

  it('never queues an import twice: a request re-sent after the import held and released the lease is ignored', () => {
    const g = given([
      [request('1'), at(0)],
      [release('1', 1), at(5)],
    ]);
    const again = { ...request('1'), eventId: '00000000-0000-4000-8000-00000000abcd' } as LockCommand;
    expect(g.when(again, at(6)).events).toEqual([]);
  });

  it('never queues an import that was cancelled, even when its request arrives after the cancellation', () => {
    const g = given([
      [request('1'), at(0)],
      [request('2'), at(1)],
      [{ kind: 'cancel', importId: id('2') }, at(2)],
      [{ kind: 'cancel', importId: id('3') }, at(2)],
    ]);
    expect(g.when(request('2'), at(3)).events).toEqual([]);
    expect(g.when(request('3'), at(3)).events).toEqual([]);
  });

  it('does not free the holder when its import fails elsewhere: only its release or its expiry does', () => {
    const g = given([[request('1'), at(0)]]);
    expect(g.when({ kind: 'cancel', importId: id('1') }, at(2)).events).toEqual([]);
  });

  it('grants nobody during a lock-delay, whatever arrives, and the first waiter of the best priority right after', () => {
    const g = given([
      [request('1'), at(0)],
      [request('2'), at(1)],
      [{ kind: 'tick' }, at(60)],
      [request('3', 'on-demand'), at(70)],
    ]);
    expect(g.state.holder).toBeNull();
    expect(g.when(request('4'), at(80)).kinds).toEqual(['queued']);
    expect(granted(g.when({ kind: 'tick' }, at(95)).events)[0]).toMatchObject({ importId: id('3'), token: 2 });
  });

  it('acknowledges every queued request with LockQueued: its place in grant order and the queue length', () => {
    const free = given([]).when(request('1'), at(0));
    expect(free.published.map((e) => e.type)).toEqual(['LockQueued', 'LockGranted']);
    expect(free.published[0]).toMatchObject({
      importId: id('1'),
      customerId: '338047',
      causationId: requestEventId('1'),
      data: { priority: 'scheduled', position: 1, queueLength: 1, maxQueueWaitMs: policy.maxQueueWaitMs },
    });
    expect(free.published[0]!.fencingToken).toBeUndefined();
    const busy = given([
      [request('1'), at(0)],
      [request('2'), at(1)],
    ]).when(request('3', 'on-demand'), at(2));
    expect(busy.published.map((e) => e.type)).toEqual(['LockQueued']);
    expect(busy.published[0]).toMatchObject({ data: { priority: 'on-demand', position: 1, queueLength: 2 } });
  });
});

describe('lock decider: the request travels with the grant', () => {
  it("takes LeaseRequested's request as the request it keeps for the grant, with that request's priority", () => {
    const asked = examples.find((e) => e.type === 'LeaseRequested')!;
    expect(commandFor(asked)).toEqual({
      kind: 'request',
      importId: '0b0c5b9e-3f3e-4c36-9a57-0d6f7f1d2a10',
      priority: 'scheduled',
      eventId: '12121212-1212-4212-8212-121212121212',
      correlationId: '6a8f4b1e-2c1d-4d8e-8f6a-3c2b1a0f9e8d',
      request: {
        connectionId: '9d7a7c4e-1b2a-4f0e-8d3c-2b1a0f9e8d7c',
        trigger: 'scheduled',
        priority: 'scheduled',
        reportTypes: ['AD', 'AD_CONVERSION'],
        dateRange: { from: '2026-11-15', to: '2026-11-21' },
        target: { spreadsheetId: '1AbCdEfGh', sheetName: '로우데이터' },
      },
    });
  });

  it('asks nothing of the lock for an ImportRequested: the fetcher plans it and asks for a lease only when NAVER is needed', () => {
    const requested = examples.find((e) => e.type === 'ImportRequested')!;
    expect(commandFor(requested)).toBeUndefined();
  });

  it("grants each waiter with LockGranted v2 carrying that waiter's own request", () => {
    const free = given([]).when(request('1', 'on-demand'), at(0));
    expect(free.published[1]).toMatchObject({
      type: 'LockGranted',
      version: 2,
      importId: id('1'),
      data: { request: { ...requestData('on-demand'), connectionId: id('1') } },
    });
    const next = given([
      [request('1'), at(0)],
      [request('2'), at(1)],
    ]).when(release('1', 1), at(5));
    expect(next.published).toEqual([
      expect.objectContaining({ type: 'LockGranted', version: 2, importId: id('2'), fencingToken: 2 }),
    ]);
    expect(next.published[0]!.data).toMatchObject({ request: { connectionId: id('2') } });
  });

  it('grants a waiter queued before the lock kept requests with LockGranted v1: it has no request to pass on', () => {
    const g = given([
      [request('1'), at(0)],
      [request('2'), at(1)],
    ]);
    // As a lock state stored before the upgrade reads (store.ts): the waiter has no request.
    const before = { ...g.state, queue: g.state.queue.map((w) => ({ ...w, request: null })) };
    const events = decide(before, release('1', 1), at(5), policy);
    expect(events.map((e) => e.kind)).toEqual(['released', 'granted']);
    const published = toPublished(before, events, at(5), policy);
    expect(published).toEqual([
      expect.objectContaining({ type: 'LockGranted', version: 1, importId: id('2'), fencingToken: 2 }),
    ]);
    expect(published[0]!.data).not.toHaveProperty('request');
  });
});

describe('lock decider: maximum total hold', () => {
  /** Import 1 holds from 0 s and renews every 30 s up to `last` s. */
  const renewedUntil = (last: number) =>
    given([
      [request('1'), at(0)],
      ...Array.from({ length: last / 30 }, (_, i) => [renew('1', 1), at(30 * (i + 1))] as [LockCommand, Date]),
    ]);

  it('caps the renewal that would reach past grantedAt + maxHold at exactly that instant', () => {
    const g = renewedUntil(240);
    expect(g.state.holder?.expiresAt).toBe(at(300).toISOString());
    const { events, published } = renewedUntil(210).when(renew('1', 1), at(245));
    expect(events).toEqual([expect.objectContaining({ kind: 'renewed', expiresAt: at(300).toISOString() })]);
    expect(published[0]).toMatchObject({ type: 'LeaseRenewed', data: { leaseTtlMs: 55_000 } });
  });

  it('refuses renewals once the lease reaches its maximum hold, saying so, and other refusals as not held', () => {
    const g = renewedUntil(270);
    expect(renewalRefusal(g.state, { importId: id('1'), token: 1 }, at(280), policy)).toBe('max-hold');
    expect(g.when(renew('1', 1), at(280)).events).toEqual([]);
    // Past its end too: the lease ran out because of the maximum hold.
    expect(renewalRefusal(g.state, { importId: id('1'), token: 1 }, at(301), policy)).toBe('max-hold');
    expect(renewalRefusal(g.state, { importId: id('1'), token: 2 }, at(280), policy)).toBe('not-held');
    expect(renewalRefusal(g.state, { importId: id('2'), token: 1 }, at(280), policy)).toBe('not-held');
    const young = renewedUntil(60);
    expect(renewalRefusal(young.state, { importId: id('1'), token: 1 }, at(100), policy)).toBeNull();
    expect(renewalRefusal(young.state, { importId: id('1'), token: 1 }, at(120), policy)).toBe('not-held');
    expect(renewalRefusal(emptyLock('338047'), { importId: id('1'), token: 1 }, at(0), policy)).toBe('not-held');
  });

  it('expires the lease at grantedAt + maxHold with a failure that names the maximum hold, then the lock-delay', () => {
    const g = renewedUntil(270);
    expect(g.when({ kind: 'tick' }, at(299)).events).toEqual([]);
    const { events, published } = g.when({ kind: 'tick' }, at(300));
    expect(events).toEqual([
      expect.objectContaining({ kind: 'expired', maxHoldReached: true, lockDelayUntil: at(335).toISOString() }),
    ]);
    expect(published.map((e) => e.type)).toEqual(['LeaseExpired', 'ImportFailed']);
    expect(published[1]).toMatchObject({
      data: { stage: 'lease', code: 'lease-max-hold', retryable: true, message: expect.stringContaining('5 min') },
    });
  });

  it('an expiry for want of renewals is still lease-expired', () => {
    const { events, published } = given([[request('1'), at(0)]]).when({ kind: 'tick' }, at(60));
    expect(events[0]).toMatchObject({ kind: 'expired', maxHoldReached: false });
    expect(published[1]).toMatchObject({ data: { stage: 'lease', code: 'lease-expired' } });
  });

  it('never grants a first lease longer than the maximum hold', () => {
    const short = { ...policy, maxHoldMs: 20_000 };
    const events = decide(emptyLock('338047'), request('1'), at(0), short);
    expect(granted(events)[0]?.expiresAt).toBe(at(20).toISOString());
  });
});

describe('lock decider: aborted release', () => {
  it('takes the lock-delay after a release that abandoned a NAVER call, and grants at once after a clean one', () => {
    const g = given([
      [request('1'), at(0)],
      [request('2'), at(1)],
    ]);
    const aborted = g.when(release('1', 1, true), at(10));
    expect(aborted.kinds).toEqual(['released']);
    expect(aborted.state.lockDelayUntil).toBe(at(45).toISOString());
    expect(nextDeadline(aborted.state, policy)).toBe(at(45).toISOString());
    const during = given([
      [request('1'), at(0)],
      [request('2'), at(1)],
      [release('1', 1, true), at(10)],
    ]);
    expect(during.when({ kind: 'tick' }, at(44)).events).toEqual([]);
    expect(during.when(request('3', 'on-demand'), at(20)).kinds).toEqual(['queued']);
    expect(granted(during.when({ kind: 'tick' }, at(45)).events)[0]).toMatchObject({ importId: id('2'), token: 2 });
    expect(g.when(release('1', 1, false), at(10)).kinds).toEqual(['released', 'granted']);
  });

  it("reads 'aborted' only from LeaseReleased v2; v1 outcomes never delay", () => {
    const v1 = examples.find((e) => e.type === 'LeaseReleased' && e.version === 1)!;
    const v2 = examples.find((e) => e.type === 'LeaseReleased' && e.version === 2)!;
    expect(commandFor(v1)).toMatchObject({ kind: 'release', aborted: false });
    expect(commandFor(v2)).toMatchObject({ kind: 'release', token: 42, aborted: true });
    const done = LeaseReleasedV2.schema.parse({ ...v2, data: { outcome: 'done', naverRequests: 3 } });
    expect(commandFor(done)).toMatchObject({ aborted: false });
  });
});

describe('lock decider: maximum queue wait', () => {
  it('dequeues a waiter that waited the maximum queue wait and fails its import as retryable (stage queue)', () => {
    const g = given([
      [request('1'), at(0)],
      [request('2'), at(1)],
      [renew('1', 1), at(40)],
      [renew('1', 1), at(80)],
    ]);
    expect(nextDeadline(g.state, policy)).toBe(at(121).toISOString());
    expect(g.when({ kind: 'tick' }, new Date(at(121).getTime() - 1)).events).toEqual([]);
    const { kinds, state, published } = g.when({ kind: 'tick' }, at(121));
    expect(kinds).toEqual(['timedOut']);
    expect(state.queue).toEqual([]);
    expect(state.holder?.importId).toBe(id('1'));
    expect(published).toEqual([
      expect.objectContaining({
        type: 'ImportFailed',
        importId: id('2'),
        data: expect.objectContaining({ stage: 'queue', code: 'queue-timeout', retryable: true }),
      }),
    ]);
    expect(published[0]!.type === 'ImportFailed' && published[0]!.data.message).toMatch(/waited 2 min.*run it again/);
    // It left for good: the same request re-sent later does not queue it again.
    const after = given([
      [request('1'), at(0)],
      [request('2'), at(1)],
      [renew('1', 1), at(40)],
      [renew('1', 1), at(80)],
      [{ kind: 'tick' }, at(121)],
    ]);
    expect(after.when(request('2'), at(122)).events).toEqual([]);
  });

  it('never grants a waiter past its maximum wait, even when the lock frees before the sweep ticks', () => {
    const { kinds } = given([
      [request('1'), at(0)],
      [request('2'), at(1)],
      [request('3'), at(100)],
      [renew('1', 1), at(40)],
      [renew('1', 1), at(80)],
    ]).when(release('1', 1), at(125));
    expect(kinds).toEqual(['released', 'timedOut', 'granted']);
  });

  it('plans the next tick for the earliest of expiry, end of lock-delay and the oldest waiter’s maximum wait', () => {
    expect(nextDeadline(emptyLock('338047'), policy)).toBeNull();
    const held = given([
      [request('1'), at(0)],
      [request('2'), at(1)],
    ]);
    expect(nextDeadline(held.state, policy)).toBe(at(60).toISOString());
    const delayed = given([
      [request('1'), at(0)],
      [request('2'), at(1)],
      [{ kind: 'tick' }, at(60)],
    ]);
    expect(nextDeadline(delayed.state, policy)).toBe(at(95).toISOString());
  });
});
