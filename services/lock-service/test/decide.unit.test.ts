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

  it('removes a cancelled import from the queue and ignores cancelling one that is not queued', () => {
    const g = given([
      [request('1'), at(0)],
      [request('2'), at(1)],
    ]);
    const { kinds, state } = g.when({ kind: 'cancel', importId: '2' }, at(2));
    expect(kinds).toEqual(['dequeued']);
    expect(state.queue).toEqual([]);
    expect(g.when({ kind: 'cancel', importId: '9' }, at(2)).events).toEqual([]);
  });
});
