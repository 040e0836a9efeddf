import { z } from 'zod';
import { defineEvent } from '../envelope.ts';

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
