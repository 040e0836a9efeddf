import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decide, evolve } from '../src/domain/decide.ts';
import { type CustomerLock, emptyLock, type LockCommand, type LockEvent, type Waiter } from '../src/domain/lock.ts';
import { requestData } from './support/events.ts';

const policy = { leaseTtlMs: 10_000, lockDelayMs: 3_000, maxHoldMs: 25_000, maxQueueWaitMs: 40_000 };
const ids = ['a', 'b', 'c', 'd', 'e', 'f'];

/** Commands as they may really arrive: duplicated, stale, reordered, with time moving forward. */
const command = fc.oneof(
  fc.record({
    kind: fc.constant('request' as const),
    importId: fc.constantFrom(...ids),
    priority: fc.constantFrom('on-demand' as const, 'scheduled' as const),
  }),
  fc.record({
    kind: fc.constant('release' as const),
    importId: fc.constantFrom(...ids),
    token: fc.integer({ min: 0, max: 12 }),
    aborted: fc.boolean(),
  }),
  fc.record({
    kind: fc.constant('renew' as const),
    importId: fc.constantFrom(...ids),
    token: fc.integer({ min: 0, max: 12 }),
  }),
  fc.record({ kind: fc.constant('releaseHolder' as const), aborted: fc.boolean() }),
  fc.record({ kind: fc.constant('renewHolder' as const) }),
  fc.record({ kind: fc.constant('cancel' as const), importId: fc.constantFrom(...ids) }),
  fc.record({ kind: fc.constant('tick' as const) }),
);
const step = fc.record({
  advanceMs: fc.integer({ min: 0, max: 6_000 }),
  command,
  /** Deliver this command twice (a redelivery). */
  duplicate: fc.boolean(),
  /** Deliver the previous message again after this one (a late, out-of-order redelivery). */
  replayPrevious: fc.boolean(),
});
type Step = typeof command extends fc.Arbitrary<infer C> ? C : never;

function toCommand(c: Step, state: CustomerLock): LockCommand {
  if (c.kind === 'request')
    return { ...c, eventId: `ev-${c.importId}`, correlationId: `co-${c.importId}`, request: requestData(c.priority) };
  if (c.kind === 'releaseHolder' || c.kind === 'renewHolder') {
    if (!state.holder) return { kind: 'tick' };
    const { importId, token } = state.holder;
    return c.kind === 'releaseHolder'
      ? { kind: 'release', importId, token, aborted: c.aborted }
      : { kind: 'renew', importId, token };
  }
  return c;
}

/** Runs one command and checks every safety rule on what it decided. */
function check(
  state: CustomerLock,
  cmd: LockCommand,
  now: number,
  seen: { lastToken: number; everQueued: Set<string> },
) {
  const events = decide(state, cmd, new Date(now), policy);
  let s = state;
  for (const e of events) {
    if (e.kind === 'granted') {
      // Never two holders: a grant only when the lock is free at that point of the decision.
      expect(s.holder).toBeNull();
      expect(e.holder.token).toBeGreaterThan(seen.lastToken);
      seen.lastToken = e.holder.token;
      // Never before a lock-delay (after an expiry or an aborted release) has passed.
      if (s.lockDelayUntil) expect(now).toBeGreaterThanOrEqual(Date.parse(s.lockDelayUntil));
      // Never a waiter past its maximum queue wait, never a first lease longer than the TTL or the maximum hold.
      const w = s.queue.find((q) => q.importId === e.holder.importId)!;
      expect(now - Date.parse(w.requestedAt)).toBeLessThan(policy.maxQueueWaitMs);
      expect(Date.parse(e.holder.expiresAt) - now).toBeLessThanOrEqual(Math.min(policy.leaseTtlMs, policy.maxHoldMs));
      // FIFO within a priority, and on-demand first.
      const waiter = s.queue.find((w) => w.importId === e.holder.importId) as Waiter;
      expect(s.queue.filter((w) => w.priority === waiter.priority && w.requestedAt < waiter.requestedAt)).toEqual([]);
      if (waiter.priority === 'scheduled') expect(s.queue.some((w) => w.priority === 'on-demand')).toBe(false);
    }
    if (e.kind === 'expired') expect(now).toBeGreaterThanOrEqual(Date.parse(s.holder!.expiresAt));
    if (e.kind === 'released' || e.kind === 'renewed') {
      // Compare-and-set: only the current holder's own token changes anything.
      expect(cmd).toMatchObject({ importId: s.holder!.importId, token: s.holder!.token });
    }
    if (e.kind === 'renewed') {
      expect(Date.parse(e.expiresAt)).toBeGreaterThanOrEqual(Date.parse(s.holder!.expiresAt));
      // A lease never outlasts its maximum total hold.
      expect(Date.parse(e.expiresAt)).toBeLessThanOrEqual(Date.parse(s.holder!.grantedAt) + policy.maxHoldMs);
    }
    if (e.kind === 'released') {
      // An aborted release (NAVER may still run the abandoned call) takes the lock-delay; a clean one does not.
      const aborted = cmd.kind === 'release' && cmd.aborted;
      expect(e.lockDelayUntil).toBe(aborted ? new Date(now + policy.lockDelayMs).toISOString() : null);
    }
    if (e.kind === 'timedOut') {
      expect(e.waitedMs).toBeGreaterThanOrEqual(policy.maxQueueWaitMs);
      expect(s.queue.some((w) => w.importId === e.importId)).toBe(true);
    }
    if (e.kind === 'queued') {
      // A request never queues an import twice, however often it is delivered.
      expect(seen.everQueued.has(e.waiter.importId)).toBe(false);
      seen.everQueued.add(e.waiter.importId);
    }
    s = evolve(s, e);
  }
  expect(new Set(s.queue.map((w) => w.importId)).size).toBe(s.queue.length);
  expect(s.queue.some((w) => w.importId === s.holder?.importId)).toBe(false);
  expect(s.lastToken).toBe(seen.lastToken);
  // After a tick nobody waits past the maximum queue wait (the sweep ticks at nextDeadline, which includes it).
  if (cmd.kind === 'tick') {
    for (const w of s.queue) expect(now - Date.parse(w.requestedAt)).toBeLessThan(policy.maxQueueWaitMs);
  }
  return { events, state: s };
}

describe('lock decider properties', () => {
  it('one holder at a time, strictly increasing tokens, CAS, FIFO within a priority, bounded hold and wait, no import queued twice, no waiter left behind', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 80 }), (steps) => {
        let state = emptyLock('338047');
        let now = Date.parse('2026-11-22T00:00:00Z');
        const seen = { lastToken: 0, everQueued: new Set<string>() };
        let previous: LockCommand | undefined;
        for (const s of steps) {
          now += s.advanceMs;
          const cmd = toCommand(s.command, state);
          const deliveries = [cmd, ...(s.duplicate ? [cmd] : []), ...(s.replayPrevious && previous ? [previous] : [])];
          for (const c of deliveries) state = check(state, c, now, seen).state;
          previous = cmd;
        }
        // Liveness: if every holder from now on releases or expires (stops renewing), every waiter gets the lock or
        // leaves the queue at its maximum wait with a failure.
        const waiting = new Set(state.queue.map((w) => w.importId));
        for (let i = 0; i < 30 && (state.holder || state.queue.length > 0); i++) {
          now += policy.leaseTtlMs + policy.lockDelayMs;
          const cmd: LockCommand =
            state.holder && i % 2 === 0
              ? { kind: 'release', importId: state.holder.importId, token: state.holder.token, aborted: false }
              : { kind: 'tick' };
          const { events, state: next } = check(state, cmd, now, seen);
          for (const e of events as LockEvent[]) {
            if (e.kind === 'granted') waiting.delete(e.holder.importId);
            if (e.kind === 'timedOut') waiting.delete(e.importId);
          }
          state = next;
        }
        expect([...waiting]).toEqual([]);
        expect(state.holder).toBeNull();
      }),
      { numRuns: 500 },
    );
  });
});
