import { z } from 'zod';
import { defineEvent } from '../envelope.ts';
import { CredentialsCheck } from './credentials.ts';
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

/**
 * What a lease is for: an import's NAVER work (its request, as in v2), or one credentials check (CredentialsCheck).
 */
export const LeaseWork = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('import'), request: ImportRequest }),
  z.object({ kind: z.literal('credentials-check'), check: CredentialsCheck }),
]);
export type LeaseWork = z.infer<typeof LeaseWork>;

/**
 * v3 carries `work` instead of `request`: an import's request, or a credentials check, so the fetcher serves either
 * from the grant alone. The lock-service grants an import with v2 as before (consumers of v2 keep working during a
 * rolling deploy) and a credentials check with v3.
 */
export const LockGrantedV3 = defineEvent('LockGranted', 3, LockGrantedV1.data.extend({ work: LeaseWork }), {
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

/**
 * v2 asks for a lease for either kind of work: an import (the fields of v1 under `work`) or a credentials check, with
 * the priority it queues at (a credentials check asks `on-demand`: a person is waiting for its answer). The fetcher
 * asks with v1 for imports, as before, and with v2 for credentials checks; the lock-service reads both.
 */
export const LeaseRequestedV2 = defineEvent(
  'LeaseRequested',
  2,
  z.object({
    priority: z.enum(['on-demand', 'scheduled']),
    work: z.discriminatedUnion('kind', [
      LeaseRequestedV1.data.extend({ kind: z.literal('import') }),
      z.object({ kind: z.literal('credentials-check'), check: CredentialsCheck }),
    ]),
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
