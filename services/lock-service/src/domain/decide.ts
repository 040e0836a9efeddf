import type { CustomerLock, Holder, LockCommand, LockEvent, LockPolicy, Waiter } from './lock.ts';

const ms = (iso: string) => Date.parse(iso);
const PRIORITY_RANK = { 'on-demand': 0, scheduled: 1 } as const;

/** On-demand imports go before scheduled ones; within a priority, first come first served. */
export function nextWaiter(queue: readonly Waiter[]): Waiter | undefined {
  let best: Waiter | undefined;
  for (const w of queue) {
    if (!best || PRIORITY_RANK[w.priority] < PRIORITY_RANK[best.priority]) best = w;
  }
  return best;
}

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
    case 'released':
      return { ...state, holder: null };
    case 'expired':
      return { ...state, holder: null, lockDelayUntil: event.lockDelayUntil };
    case 'dequeued':
      return { ...state, queue: state.queue.filter((w) => w.importId !== event.importId) };
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
      const known = state.holder?.importId === command.importId || state.queue.some((w) => w.importId === command.importId);
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
      return thenGrant(state, [{ kind: 'released', importId: h.importId, token: h.token, at: now.toISOString() }], now, policy);
    }
    case 'cancel':
      return state.queue.some((w) => w.importId === command.importId)
        ? [{ kind: 'dequeued', importId: command.importId }]
        : [];
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
