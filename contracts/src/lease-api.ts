import { z } from 'zod';
import { CustomerId, ImportId } from './primitives.ts';

/**
 * The lock-service's internal HTTP API for lease holders (renew, "which token holds the lease now"). Both ends parse
 * with these schemas — the lock-service's routes validate and document with them, the lease-holder's client parses
 * every answer with them — so a change on one side fails the other's tests instead of a holder misreading its lease.
 * Both endpoints need the service credential (`authorization: Bearer <INTERNAL_API_TOKEN>`).
 */

/**
 * Timing assumptions both ends of a lease rely on. The lock-service's lock-delay and the fetcher's safety margin are
 * both derived from them: the longest NAVER request the fetcher's client allows by default, and how far the wall
 * clocks of the lock-service and a holder may disagree.
 */
export const DEFAULT_NAVER_TIMEOUT_MS = 30_000;
export const LEASE_CLOCK_DRIFT_MARGIN_MS = 5_000;

const Iso = z.iso.datetime({ offset: true });
const Token = z.number().int().positive();

/** Problem details (RFC 9457), as every Reportline service answers errors. */
export const Problem = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string().optional(),
  instance: z.string().optional(),
});
export type Problem = z.infer<typeof Problem>;

/** The problem types a refused renewal carries; the holder tells them apart by `type`. */
export const leaseProblemTypes = {
  /** Released, expired, or a stale token: the caller does not hold the lease. */
  notHeld: 'urn:reportline:problem:lease-not-held',
  /** The lease reached grantedAt + the maximum total hold: it is never extended again. */
  maxHold: 'urn:reportline:problem:lease-max-hold',
} as const;

export const LeaseRenewalRequest = z.object({ importId: ImportId, token: Token });
export type LeaseRenewalRequest = z.infer<typeof LeaseRenewalRequest>;

export const LeaseRenewalGranted = z.object({
  token: Token,
  leaseTtlMs: Token.describe(
    'How long the lease runs from this decision: the lease TTL, or less where the maximum hold caps it.',
  ),
  leaseExpiresAt: Iso,
  maxHoldMs: Token.describe('The longest any lease may be held in total, from its grant.'),
  maxHoldUntil: Iso.describe(
    'grantedAt + maxHoldMs: the lease is never extended past this instant. When leaseExpiresAt equals it, this was the last renewal.',
  ),
});
export type LeaseRenewalGranted = z.infer<typeof LeaseRenewalGranted>;

export const LeaseRenewalRefused = Problem.extend({
  type: z.enum([leaseProblemTypes.notHeld, leaseProblemTypes.maxHold]),
  currentToken: Token.nullable().describe('The token holding the lease now, null when nobody holds it.'),
  maxHoldMs: Token.optional().describe('With the max-hold problem: the maximum total hold that was reached.'),
});
export type LeaseRenewalRefused = z.infer<typeof LeaseRenewalRefused>;

export const LeaseHolder = z.object({
  customerId: CustomerId,
  holder: z
    .object({ importId: ImportId, token: Token, grantedAt: Iso, expiresAt: Iso })
    .nullable()
    .describe('The import holding the NAVER lease now and its fencing token; null when nobody holds it.'),
  lastToken: z.number().int().nonnegative(),
});
export type LeaseHolder = z.infer<typeof LeaseHolder>;
