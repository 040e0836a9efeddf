import {
  type CustomerLock,
  FINISHED_MEMORY,
  type Holder,
  type LockCommand,
  type LockEvent,
  type LockPolicy,
  type RenewalRefusal,
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

/** Waiters in the order they will be granted. */
export function grantOrder(state: CustomerLock): Waiter[] {
  const rest = [...state.queue];
  const ordered: Waiter[] = [];
  for (let next = nextWaiter(rest); next; next = nextWaiter(rest)) {
    ordered.push(next);
    rest.splice(rest.indexOf(next), 1);
  }
  return ordered;
}

/** The instant a holder's lease can never outlast, however often it is renewed. */
export const maxHoldUntil = (holder: Holder, policy: LockPolicy) => ms(holder.grantedAt) + policy.maxHoldMs;

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
      return {
        ...state,
        holder: null,
        lockDelayUntil: event.lockDelayUntil,
        finished: remember(state.finished, event.importId),
      };
    case 'expired':
      return {
        ...state,
        holder: null,
        lockDelayUntil: event.lockDelayUntil,
        finished: remember(state.finished, event.importId),
      };
    case 'dequeued':
    case 'timedOut':
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
    expiresAt: new Date(now.getTime() + Math.min(policy.leaseTtlMs, policy.maxHoldMs)).toISOString(),
    requestEventId: next.requestEventId,
    correlationId: next.correlationId,
  };
  const waitedMs = Math.max(0, now.getTime() - ms(next.requestedAt));
  const granted: LockEvent = { kind: 'granted', holder, waitedMs, request: next.request };
  return [next.check ? { ...granted, check: next.check } : granted];
}

/** Waiters that have waited the maximum queue wait, in queue order: they leave the queue instead of being granted. */
function timeOuts(state: CustomerLock, now: Date, policy: LockPolicy): LockEvent[] {
  return state.queue.flatMap((w) => {
    const waitedMs = now.getTime() - ms(w.requestedAt);
    if (waitedMs < policy.maxQueueWaitMs) return [];
    const { importId, requestEventId, correlationId } = w;
    return [{ kind: 'timedOut' as const, importId, waitedMs, requestEventId, correlationId }];
  });
}

/**
 * Whenever the lock may grant: first the waiters past the maximum queue wait leave the queue (a decision never grants
 * one, so an import never both fails for waiting and runs), then a free lock grants the next waiter.
 */
function settle(state: CustomerLock, now: Date, policy: LockPolicy): LockEvent[] {
  const timedOut = timeOuts(state, now, policy);
  return [...timedOut, ...grantIfFree(timedOut.reduce(evolve, state), now, policy)];
}

/** Applies the decided events to the state and lets the lock grant the next waiter when it became free. */
function thenGrant(state: CustomerLock, events: LockEvent[], now: Date, policy: LockPolicy): LockEvent[] {
  const after = events.reduce(evolve, state);
  return [...events, ...settle(after, now, policy)];
}

/**
 * Why a renewal would change nothing, or null when it extends the lease. Compare-and-set on (import, token) first;
 * then a lease already at its maximum hold is never extended (even past its expiry: that is why it ran out); a lease
 * past its expiry is not revived (the holder may have been paused, and the sweep expires it).
 */
export function renewalRefusal(
  state: CustomerLock,
  renewal: { importId: string; token: number },
  now: Date,
  policy: LockPolicy,
): RenewalRefusal | null {
  const h = state.holder;
  if (!h || h.importId !== renewal.importId || h.token !== renewal.token) return 'not-held';
  if (ms(h.expiresAt) >= maxHoldUntil(h, policy)) return 'max-hold';
  if (now.getTime() >= ms(h.expiresAt)) return 'not-held';
  return null;
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
        request: command.request,
        ...(command.check && { check: command.check }),
      };
      return thenGrant(state, [{ kind: 'queued', waiter }], now, policy);
    }
    case 'release': {
      // Compare-and-set on (import, token): a stale or duplicated release can never free someone else's lease.
      const h = state.holder;
      if (!h || h.importId !== command.importId || h.token !== command.token) return [];
      // After an aborted release NAVER may still be running the call the holder abandoned: wait out the lock-delay, as
      // after an expiry. A clean release grants the next waiter at once.
      const lockDelayUntil = command.aborted ? new Date(now.getTime() + policy.lockDelayMs).toISOString() : null;
      return thenGrant(
        state,
        [{ kind: 'released', importId: h.importId, token: h.token, at: now.toISOString(), lockDelayUntil }],
        now,
        policy,
      );
    }
    case 'renew': {
      // Compare-and-set like release (see renewalRefusal); a renewal extends from now, never shortens the lease, and
      // never extends it past grantedAt + maxHold.
      const h = state.holder;
      if (!h || renewalRefusal(state, command, now, policy) !== null) return [];
      const extended = Math.max(ms(h.expiresAt), now.getTime() + policy.leaseTtlMs);
      const expiresAt = new Date(Math.min(extended, maxHoldUntil(h, policy))).toISOString();
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
          maxHoldReached: ms(h.expiresAt) >= maxHoldUntil(h, policy),
        };
        return thenGrant(state, [expired], now, policy);
      }
      return settle(state, now, policy);
    }
  }
}

/**
 * When the lock next needs a tick: the holder's expiry; the end of a lock-delay (or at once) when free with someone
 * waiting; and the oldest waiter's maximum queue wait, whichever comes first.
 */
export function nextDeadline(state: CustomerLock, policy: LockPolicy): string | null {
  const due: number[] = [];
  if (state.holder) due.push(ms(state.holder.expiresAt));
  else if (state.queue.length > 0) due.push(state.lockDelayUntil ? ms(state.lockDelayUntil) : 0);
  for (const w of state.queue) due.push(ms(w.requestedAt) + policy.maxQueueWaitMs);
  return due.length > 0 ? new Date(Math.min(...due)).toISOString() : null;
}
