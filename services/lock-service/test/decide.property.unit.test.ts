import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decide, evolve } from '../src/domain/decide.ts';
import { type CustomerLock, emptyLock, type LockCommand, type Waiter } from '../src/domain/lock.ts';

const policy = { leaseTtlMs: 10_000, lockDelayMs: 3_000 };
const ids = ['a', 'b', 'c', 'd', 'e'];

/** Commands as they may really arrive: duplicated, stale, out of order, with time moving forward. */
const step = fc.record({
  advanceMs: fc.integer({ min: 0, max: 6_000 }),
  command: fc.oneof(
    fc.record({ kind: fc.constant('request' as const), importId: fc.constantFrom(...ids), priority: fc.constantFrom('on-demand' as const, 'scheduled' as const) }),
    fc.record({ kind: fc.constant('release' as const), importId: fc.constantFrom(...ids), token: fc.integer({ min: 0, max: 12 }) }),
    fc.record({ kind: fc.constant('releaseHolder' as const) }),
    fc.record({ kind: fc.constant('cancel' as const), importId: fc.constantFrom(...ids) }),
    fc.record({ kind: fc.constant('tick' as const) }),
  ),
});

type Step = (typeof step extends fc.Arbitrary<infer S> ? S : never)['command'];

function toCommand(c: Step, state: CustomerLock): LockCommand {
  if (c.kind === 'request') return { ...c, eventId: crypto.randomUUID(), correlationId: crypto.randomUUID() };
  if (c.kind === 'releaseHolder') return state.holder ? { kind: 'release', importId: state.holder.importId, token: state.holder.token } : { kind: 'tick' };
  return c;
}

describe('lock decider properties', () => {
  it('one holder at a time, strictly increasing tokens, FIFO within a priority, no waiter left behind', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 60 }), (steps) => {
        let state = emptyLock('338047');
        let now = Date.parse('2026-11-22T00:00:00Z');
        let lastToken = 0;
        for (const s of steps) {
          now += s.advanceMs;
          const events = decide(state, toCommand(s.command, state), new Date(now), policy);
          for (const e of events) {
            if (e.kind === 'granted') {
              expect(state.holder === null || events.some((x) => x.kind === 'released' || x.kind === 'expired')).toBe(true);
              expect(e.holder.token).toBeGreaterThan(lastToken);
              lastToken = e.holder.token;
              // FIFO within a priority: nobody of the same priority had waited longer.
              const waiter = state.queue.find((w) => w.importId === e.holder.importId) as Waiter;
              const earlier = state.queue.filter((w) => w.priority === waiter.priority && w.requestedAt < waiter.requestedAt);
              expect(earlier).toEqual([]);
            }
          }
          state = events.reduce(evolve, state);
          expect(new Set(state.queue.map((w) => w.importId)).size).toBe(state.queue.length);
          expect(state.queue.some((w) => w.importId === state.holder?.importId)).toBe(false);
        }
        // Liveness: if every holder from now on releases (or expires), every waiter gets the lock.
        const waiting = new Set(state.queue.map((w) => w.importId));
        for (let i = 0; i < 20 && (state.holder || state.queue.length > 0); i++) {
          now += policy.leaseTtlMs + policy.lockDelayMs;
          const cmd: LockCommand = state.holder && i % 2 === 0 ? { kind: 'release', importId: state.holder.importId, token: state.holder.token } : { kind: 'tick' };
          const events = decide(state, cmd, new Date(now), policy);
          for (const e of events) if (e.kind === 'granted') waiting.delete(e.holder.importId);
          state = events.reduce(evolve, state);
        }
        expect([...waiting]).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });
});
