import { describe, expect, it } from 'vitest';
import { decide, evolve } from '../src/domain/decide.ts';
import { type CustomerLock, emptyLock, type LockCommand, type LockEvent } from '../src/domain/lock.ts';

const policy = { leaseTtlMs: 60_000, lockDelayMs: 35_000 };
const T0 = new Date('2026-11-22T05:00:00.000Z');
const at = (s: number) => new Date(T0.getTime() + s * 1000);
const request = (importId: string, priority: 'on-demand' | 'scheduled' = 'scheduled'): LockCommand => ({
  kind: 'request',
  importId,
  priority,
  eventId: `00000000-0000-4000-8000-${importId.padStart(12, '0')}`,
  correlationId: `00000000-0000-4000-8000-${importId.padStart(12, '0')}`,
});

/** Given the commands already decided (each at its time), when one more arrives, then these events. */
function given(history: [LockCommand, Date][]) {
  let state: CustomerLock = emptyLock('338047');
  for (const [cmd, now] of history) state = decide(state, cmd, now, policy).reduce(evolve, state);
  return {
    state,
    when: (cmd: LockCommand, now: Date) => {
      const events = decide(state, cmd, now, policy);
      return { events, state: events.reduce(evolve, state), kinds: events.map((e) => e.kind) };
    },
  };
}
const granted = (events: LockEvent[]) => events.flatMap((e) => (e.kind === 'granted' ? [e.holder] : []));

describe('lock decider', () => {
  it('grants a free lock at once with token 1 and a lease of the policy TTL', () => {
    const { events } = given([]).when(request('1'), at(0));
    expect(events.map((e) => e.kind)).toEqual(['queued', 'granted']);
    expect(granted(events)[0]).toMatchObject({ importId: '1', token: 1, expiresAt: at(60).toISOString() });
  });

  it('queues a second import of the same customer id behind the holder', () => {
    const { kinds, state } = given([[request('1'), at(0)]]).when(request('2'), at(1));
    expect(kinds).toEqual(['queued']);
    expect(state.holder?.importId).toBe('1');
    expect(state.queue.map((w) => w.importId)).toEqual(['2']);
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
    ]).when({ kind: 'release', importId: '1', token: 1 }, at(5));
    expect(kinds).toEqual(['released', 'granted']);
    expect(granted(events)[0]).toMatchObject({ importId: '2', token: 2 });
  });

  it('ignores a stale release (wrong token) so it cannot free the current lease', () => {
    const g = given([
      [request('1'), at(0)],
      [request('2'), at(1)],
      [{ kind: 'release', importId: '1', token: 1 }, at(2)],
    ]);
    expect(g.when({ kind: 'release', importId: '1', token: 1 }, at(3)).events).toEqual([]);
    expect(g.when({ kind: 'release', importId: '2', token: 1 }, at(3)).events).toEqual([]);
    expect(g.state.holder).toMatchObject({ importId: '2', token: 2 });
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
    expect(granted(afterExpiry.when({ kind: 'tick' }, at(95)).events)[0]).toMatchObject({ importId: '2', token: 2 });
  });

  it('puts on-demand imports ahead of scheduled ones, FIFO within a priority', () => {
    const { events } = given([
      [request('1'), at(0)],
      [request('2', 'scheduled'), at(1)],
      [request('3', 'on-demand'), at(2)],
      [request('4', 'on-demand'), at(3)],
    ]).when({ kind: 'release', importId: '1', token: 1 }, at(4));
    expect(granted(events)[0]?.importId).toBe('3');
  });

  it('removes a cancelled import from the queue and remembers cancelling one it has not seen yet', () => {
    const g = given([
      [request('1'), at(0)],
      [request('2'), at(1)],
    ]);
    const { kinds, state } = g.when({ kind: 'cancel', importId: '2' }, at(2));
    expect(kinds).toEqual(['dequeued']);
    expect(state.queue).toEqual([]);
    expect(g.when({ kind: 'cancel', importId: '9' }, at(2)).kinds).toEqual(['forgotten']);
  });

  it('renews the holder (compare-and-set on import and token), extending from now, never shortening', () => {
    const g = given([[request('1'), at(0)]]);
    const { kinds, state, events } = g.when({ kind: 'renew', importId: '1', token: 1 }, at(20));
    expect(kinds).toEqual(['renewed']);
    expect(state.holder?.expiresAt).toBe(at(80).toISOString());
    expect(events[0]).toMatchObject({ token: 1, expiresAt: at(80).toISOString() });
    expect(g.when({ kind: 'renew', importId: '1', token: 2 }, at(20)).events).toEqual([]);
    expect(g.when({ kind: 'renew', importId: '9', token: 1 }, at(20)).events).toEqual([]);
  });

  it('does not revive a lease past its expiry: the late renewal is refused and the sweep expires it', () => {
    const g = given([[request('1'), at(0)]]);
    expect(g.when({ kind: 'renew', importId: '1', token: 1 }, at(60)).events).toEqual([]);
    expect(g.when({ kind: 'tick' }, at(60)).kinds).toEqual(['expired']);
  });

  it('keeps a renewed lease past its original expiry', () => {
    const g = given([
      [request('1'), at(0)],
      [request('2'), at(1)],
      [{ kind: 'renew', importId: '1', token: 1 }, at(40)],
    ]);
    expect(g.when({ kind: 'tick' }, at(61)).events).toEqual([]);
    expect(g.when({ kind: 'tick' }, at(100)).kinds).toEqual(['expired']);
  });

  it('refuses renewals and releases of a lease that expired, even by its former holder', () => {
    const g = given([
      [request('1'), at(0)],
      [{ kind: 'tick' }, at(60)],
    ]);
    expect(g.when({ kind: 'renew', importId: '1', token: 1 }, at(61)).events).toEqual([]);
    expect(g.when({ kind: 'release', importId: '1', token: 1 }, at(61)).events).toEqual([]);
  });

  it('takes away the lease of a granted import that never starts (never renews nor releases) at its expiry', () => {
    const g = given([
      [request('1'), at(0)],
      [request('2'), at(1)],
    ]);
    const expiry = g.when({ kind: 'tick' }, at(60));
    expect(expiry.events[0]).toMatchObject({
      kind: 'expired',
      importId: '1',
      token: 1,
      lockDelayUntil: at(95).toISOString(),
    });
    expect(expiry.state.holder).toBeNull();
  });

  it('never queues an import twice: a request re-sent after the import held and released the lease is ignored', () => {
    const g = given([
      [request('1'), at(0)],
      [{ kind: 'release', importId: '1', token: 1 }, at(5)],
    ]);
    const again = { ...request('1'), eventId: '00000000-0000-4000-8000-00000000abcd' } as LockCommand;
    expect(g.when(again, at(6)).events).toEqual([]);
  });

  it('never queues an import that was cancelled, even when its request arrives after the cancellation', () => {
    const g = given([
      [request('1'), at(0)],
      [request('2'), at(1)],
      [{ kind: 'cancel', importId: '2' }, at(2)],
      [{ kind: 'cancel', importId: '3' }, at(2)],
    ]);
    expect(g.when(request('2'), at(3)).events).toEqual([]);
    expect(g.when(request('3'), at(3)).events).toEqual([]);
  });

  it('does not free the holder when its import fails elsewhere: only its release or its expiry does', () => {
    const g = given([[request('1'), at(0)]]);
    expect(g.when({ kind: 'cancel', importId: '1' }, at(2)).events).toEqual([]);
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
    expect(granted(g.when({ kind: 'tick' }, at(95)).events)[0]).toMatchObject({ importId: '3', token: 2 });
  });
});
