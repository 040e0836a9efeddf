import type { CredentialsCheck, ImportRequest } from '@reportline/contracts';

/**
 * The lock of one NAVER customer id: who holds the lease, who waits, and the last fencing token handed out.
 * Pure data; `decide` and `evolve` below are the only rules.
 */
export type Priority = 'on-demand' | 'scheduled';

export interface Waiter {
  importId: string;
  priority: Priority;
  requestedAt: string;
  requestEventId: string;
  correlationId: string;
  /**
   * The import's request (ImportRequested's data, as LeaseRequested carries it), handed to the holder in LockGranted
   * v2: the lock never reads it.
   * Null for a waiter queued before the lock kept requests (a stored state without it): it is granted with v1.
   */
  request: ImportRequest | null;
  /**
   * Set for a credentials check's waiter (LeaseRequested v2): the check its holder makes, handed on in LockGranted v3.
   * The check then has no import request (`request` null). Absent for imports and for states stored before checks.
   */
  check?: CredentialsCheck;
}

export interface Holder {
  importId: string;
  token: number;
  grantedAt: string;
  expiresAt: string;
  requestEventId: string;
  correlationId: string;
}

export interface CustomerLock {
  customerId: string;
  holder: Holder | null;
  queue: Waiter[];
  /** Strictly increasing per customer id, never reused, survives releases and expiries. */
  lastToken: number;
  /** After an expiry nobody is granted before this instant (Chubby's lock-delay): the old holder may still be mid-call. */
  lockDelayUntil: string | null;
  /**
   * Imports that already held the lease or left the queue, newest last (bounded): a request for one of them, redelivered
   * under a new event id or arriving after its cancellation, never queues the import again.
   */
  finished: string[];
}

/** How many finished import ids a lock remembers; far more than can be in flight for one customer id. */
export const FINISHED_MEMORY = 200;

export const emptyLock = (customerId: string): CustomerLock => ({
  customerId,
  holder: null,
  queue: [],
  lastToken: 0,
  lockDelayUntil: null,
  finished: [],
});

export type LockCommand =
  | {
      kind: 'request';
      importId: string;
      priority: Priority;
      eventId: string;
      correlationId: string;
      /** The import's request; null for a credentials check, which carries `check` instead. */
      request: ImportRequest | null;
      check?: CredentialsCheck;
    }
  /** `aborted`: the holder abandoned an in-flight NAVER call, which NAVER may still be running (LeaseReleased v2). */
  | { kind: 'release'; importId: string; token: number; aborted: boolean }
  | { kind: 'renew'; importId: string; token: number }
  | { kind: 'cancel'; importId: string }
  | { kind: 'tick' };

export type LockEvent =
  | { kind: 'queued'; waiter: Waiter }
  /** `request` is the waiter's, passed on to the grant (null for a waiter queued before the lock kept requests). */
  | { kind: 'granted'; holder: Holder; waitedMs: number; request: ImportRequest | null; check?: CredentialsCheck }
  | { kind: 'renewed'; importId: string; token: number; expiresAt: string; correlationId: string }
  /** `lockDelayUntil` is set after an aborted release (NAVER may still run the abandoned call), null after a clean one. */
  | { kind: 'released'; importId: string; token: number; at: string; lockDelayUntil: string | null }
  | {
      kind: 'expired';
      importId: string;
      token: number;
      at: string;
      lockDelayUntil: string;
      correlationId: string;
      /** The lease ran out at grantedAt + maxHold, not for want of renewals. */
      maxHoldReached: boolean;
    }
  | { kind: 'dequeued'; importId: string }
  /** A waiter not granted within the maximum queue wait leaves the queue (and its import fails). */
  | { kind: 'timedOut'; importId: string; waitedMs: number; requestEventId: string; correlationId: string }
  | { kind: 'forgotten'; importId: string };

export interface LockPolicy {
  leaseTtlMs: number;
  /** At least the longest NAVER request the client allows plus a clock-drift margin. */
  lockDelayMs: number;
  /** No lease lasts beyond grantedAt + this, however often it is renewed: one import cannot keep a customer id forever. */
  maxHoldMs: number;
  /** A waiter not granted within this long leaves the queue: nothing stays queued forever. */
  maxQueueWaitMs: number;
}

/** Why a renewal changes nothing: the caller does not hold the lease, or the lease cannot be extended any more. */
export type RenewalRefusal = 'not-held' | 'max-hold';
