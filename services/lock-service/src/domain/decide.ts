import {
  type CustomerLock,
  FINISHED_MEMORY,
  type Holder,
  type LockCommand,
  type LockEvent,
  type LockPolicy,
  type Waiter,
} from './lock.ts';

const ms = (iso: string) => Date.parse(iso);
const PRIORITY_RANK = { 'on-demand': 0, scheduled: 1 } as const;

/**
 * On-demand imports go before scheduled ones (a person is waiting for those); within a priority, first come first
 * served. Queue order is arrival order, so the first waiter of the best priority is the next holder.
 */
export function nextWaiter(queue: readonly Waiter[]): Waiter | undefined {
  let best: Waiter | undefined;
  for (const w of queue) {
    if (!best || PRIORITY_RANK[w.priority] < PRIORITY_RANK[best.priority]) best = w;
  }
  return best;
}

const remember = (finished: readonly string[], importId: string) =>
  [...finished.filter((id) => id !== importId), importId].slice(-FINISHED_MEMORY);

export function evolve(state: CustomerLock, event: LockEvent): CustomerLock {
  switch (event.kind) {
    case 'queued':
      return { ...state, queue: [...state.queue, event.waiter] };
    case 'granted':
      return {
        ...state,
        holder: event.holder,
        lastToken: event.holder.token,
        lockDelayUntil: null,
        queue: state.queue.filter((w) => w.importId !== event.holder.importId),
      };
    case 'renewed':
      return state.holder ? { ...state, holder: { ...state.holder, expiresAt: event.expiresAt } } : state;
    case 'released':
      return { ...state, holder: null, finished: remember(state.finished, event.importId) };
    case 'expired':
      return {
        ...state,
        holder: null,
        lockDelayUntil: event.lockDelayUntil,
        finished: remember(state.finished, event.importId),
      };
    case 'dequeued':
      return {
        ...state,
        queue: state.queue.filter((w) => w.importId !== event.importId),
        finished: remember(state.finished, event.importId),
      };
    case 'forgotten':
      return { ...state, finished: remember(state.finished, event.importId) };
  }
}

function grantIfFree(state: CustomerLock, now: Date, policy: LockPolicy): LockEvent[] {
  if (state.holder) return [];
  if (state.lockDelayUntil && now.getTime() < ms(state.lockDelayUntil)) return [];
  const next = nextWaiter(state.queue);
  if (!next) return [];
  const holder: Holder = {
    importId: next.importId,
    token: state.lastToken + 1,
    grantedAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + policy.leaseTtlMs).toISOString(),
    requestEventId: next.requestEventId,
    correlationId: next.correlationId,
  };
  return [{ kind: 'granted', holder, waitedMs: Math.max(0, now.getTime() - ms(next.requestedAt)) }];
}

/** Applies the decided events to the state and lets the lock grant the next waiter when it became free. */
function thenGrant(state: CustomerLock, events: LockEvent[], now: Date, policy: LockPolicy): LockEvent[] {
  const after = events.reduce(evolve, state);
  return [...events, ...grantIfFree(after, now, policy)];
}

export function decide(state: CustomerLock, command: LockCommand, now: Date, policy: LockPolicy): LockEvent[] {
  switch (command.kind) {
    case 'request': {
      // Idempotent: a redelivered or repeated request for an import already holding or waiting changes nothing.
      // So is one for an import that already held the lease or left the queue: it never queues twice.
      const known =
        state.holder?.importId === command.importId ||
        state.queue.some((w) => w.importId === command.importId) ||
        state.finished.includes(command.importId);
      if (known) return [];
      const waiter: Waiter = {
        importId: command.importId,
        priority: command.priority,
        requestedAt: now.toISOString(),
        requestEventId: command.eventId,
        correlationId: command.correlationId,
      };
      return thenGrant(state, [{ kind: 'queued', waiter }], now, policy);
    }
    case 'release': {
      // Compare-and-set on (import, token): a stale or duplicated release can never free someone else's lease.
      const h = state.holder;
      if (!h || h.importId !== command.importId || h.token !== command.token) return [];
      return thenGrant(
        state,
        [{ kind: 'released', importId: h.importId, token: h.token, at: now.toISOString() }],
        now,
        policy,
      );
    }
    case 'renew': {
      // Compare-and-set like release; a renewal extends from now and never shortens the lease. A lease already past its
      // expiry is not revived: the holder may have been paused, and the sweep expires it.
      const h = state.holder;
      if (!h || h.importId !== command.importId || h.token !== command.token) return [];
      if (now.getTime() >= ms(h.expiresAt)) return [];
      const expiresAt = new Date(Math.max(ms(h.expiresAt), now.getTime() + policy.leaseTtlMs)).toISOString();
      return [{ kind: 'renewed', importId: h.importId, token: h.token, expiresAt, correlationId: h.correlationId }];
    }
    case 'cancel':
      // A queued import that failed or was cancelled leaves the queue. A holder is not freed here: it releases with its
      // token, or its lease expires (a granted import that never starts). One never seen is remembered as finished, so
      // a request that arrives after its cancellation does not queue it.
      if (state.queue.some((w) => w.importId === command.importId))
        return [{ kind: 'dequeued', importId: command.importId }];
      if (state.holder?.importId === command.importId || state.finished.includes(command.importId)) return [];
      return [{ kind: 'forgotten', importId: command.importId }];
    case 'tick': {
      const h = state.holder;
      if (h && now.getTime() >= ms(h.expiresAt)) {
        const expired: LockEvent = {
          kind: 'expired',
          importId: h.importId,
          token: h.token,
          at: now.toISOString(),
          lockDelayUntil: new Date(now.getTime() + policy.lockDelayMs).toISOString(),
          correlationId: h.correlationId,
        };
        return thenGrant(state, [expired], now, policy);
      }
      return grantIfFree(state, now, policy);
    }
  }
}

/** When the lock next needs a tick: the holder's expiry, or the end of a lock-delay with someone waiting. */
export function nextDeadline(state: CustomerLock): string | null {
  if (state.holder) return state.holder.expiresAt;
  if (state.queue.length > 0) return state.lockDelayUntil ?? new Date(0).toISOString();
  return null;
}
