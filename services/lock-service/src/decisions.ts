import { appendToOutbox, claimEvent, type Clock, type Pool, withTransaction } from '@reportline/platform';
import { decide, evolve } from './domain/decide.ts';
import type { LockCommand, LockPolicy } from './domain/lock.ts';
import { toPublished } from './domain/publish.ts';
import { loadLockForUpdate, saveLock } from './store.ts';

export const SERVICE = 'lock-service';

/**
 * The one place a lock changes: load (row-locked), decide, save state + history + outbox, and mark the causing event
 * handled, all in one transaction. Returns how many events were queued for publishing.
 */
export async function applyCommand(
  deps: { pool: Pool; clock: Clock; policy: LockPolicy },
  customerId: string,
  command: LockCommand,
  inbox?: { consumer: string; eventId: string },
): Promise<number> {
  return withTransaction(deps.pool, async (tx) => {
    if (inbox && !(await claimEvent(tx, inbox.consumer, inbox.eventId))) return 0;
    const state = await loadLockForUpdate(tx, customerId);
    const now = deps.clock.now();
    const events = decide(state, command, now, deps.policy);
    if (events.length === 0) return 0;
    await saveLock(tx, events.reduce(evolve, state), events);
    const published = toPublished(customerId, events, now, deps.policy);
    await appendToOutbox(tx, SERVICE, published);
    return published.length;
  });
}
