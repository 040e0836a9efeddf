import { z } from 'zod';
import { defineEvent } from '../envelope.ts';
import { ImportRequest } from './imports.ts';

/** The lock-service granted an import exclusive NAVER access for its customer id, fenced by `fencingToken`. */
export const LockGrantedV1 = defineEvent(
  'LockGranted',
  1,
  z.object({
    leaseTtlMs: z.number().int().positive(),
    leaseExpiresAt: z.iso.datetime({ offset: true }),
    waitedMs: z.number().int().nonnegative(),
  }),
  { leased: true },
);

/**
 * v2 adds `request`, the data of the import's ImportRequested: the fetcher does the work from the grant alone, instead
 * of keeping its own copy of every request and waiting for it when the grant comes first. A waiter queued before the
 * lock-service kept requests is still granted with v1; the fetcher cannot serve that grant and ends its import.
 */
export const LockGrantedV2 = defineEvent('LockGranted', 2, LockGrantedV1.data.extend({ request: ImportRequest }), {
  leased: true,
});

export const LeaseRenewedV1 = defineEvent(
  'LeaseRenewed',
  1,
  z.object({ leaseTtlMs: z.number().int().positive(), leaseExpiresAt: z.iso.datetime({ offset: true }) }),
  { leased: true },
);

/** The holder gave its lease back; the lock-service grants the next waiter at once. */
export const LeaseReleasedV1 = defineEvent(
  'LeaseReleased',
  1,
  z.object({
    outcome: z.enum(['done', 'failed']),
    naverRequests: z.number().int().nonnegative(),
  }),
  { leased: true },
);

/**
 * v2 adds `aborted`: the holder abandoned an in-flight NAVER call (a request timeout, or the lease signal aborting it),
 * so NAVER may still be working on that call after the release. The lock-service then applies its lock-delay before
 * granting the next waiter, as after an expiry; `done` and `failed` (and every v1 release) grant at once.
 */
export const LeaseReleasedV2 = defineEvent(
  'LeaseReleased',
  2,
  z.object({
    outcome: z.enum(['done', 'failed', 'aborted']),
    naverRequests: z.number().int().nonnegative(),
  }),
  { leased: true },
);

/**
 * The lock-service received an import's request and queued it (it may be granted in the same decision, then
 * LockGranted follows). The acknowledgement that an ImportRequested reached the lock: one without it for long never
 * did. Not under a lease, so no fencing token.
 */
export const LockQueuedV1 = defineEvent(
  'LockQueued',
  1,
  z.object({
    priority: z.enum(['on-demand', 'scheduled']),
    /** 1-based place in grant order when queued (on-demand before scheduled, FIFO within a priority). */
    position: z.number().int().positive(),
    /** Waiters of this customer id, this one included, when it was queued. */
    queueLength: z.number().int().positive(),
    /** A waiter not granted within this long leaves the queue with ImportFailed (stage queue, code queue-timeout). */
    maxQueueWaitMs: z.number().int().positive(),
  }),
  { leased: false },
);

/**
 * The naver-fetcher needs NAVER for this import: some of its (type, date) reports are not in the data calendar, or
 * are due again, or the connection's credentials are not yet verified with NAVER. The lock-service queues on this,
 * not on ImportRequested: an import whose every report is stored and final is served without a lease and never asks.
 * `request` is the import's ImportRequested data, handed on in LockGranted v2; the counts are the fetcher's plan when
 * it asked (at the grant it plans again, since another import of the customer id may have fetched those days since).
 */
export const LeaseRequestedV1 = defineEvent(
  'LeaseRequested',
  1,
  z.object({
    request: ImportRequest,
    /** (type, date) reports to ask NAVER for, as planned when the lease was requested. */
    naverReports: z.number().int().nonnegative(),
    /** (type, date) reports the data calendar serves from the store. */
    storeReports: z.number().int().nonnegative(),
    /** True when NAVER has not yet accepted these credentials for the customer id: stored data waits for that. */
    verifyCredentials: z.boolean(),
  }),
  { leased: false },
);

/** The holder stopped renewing; the next waiter waits out `lockDelayUntil` before it is granted. */
export const LeaseExpiredV1 = defineEvent(
  'LeaseExpired',
  1,
  z.object({
    expiredAt: z.iso.datetime({ offset: true }),
    lockDelayUntil: z.iso.datetime({ offset: true }),
  }),
  { leased: true },
);
