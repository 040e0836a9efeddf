import type { Clock } from '@reportline/platform';

/**
 * Why a holder lost its lease, so its user can tell a person what happened:
 * - `refused`: the lock-service refused a renewal (released, expired, or a stale token);
 * - `max-hold`: the lease reached its maximum total hold (grantedAt + LEASE_MAX_HOLD_MS) and is not extended again;
 * - `deadline`: the lease ran out without a successful renewal (lock-service unreachable, or the work was too slow);
 * - `token-moved`: another token holds the lease now (the guard saw it);
 * - `stopped`: the holder itself gave up (the service is shutting down).
 */
export type LeaseLossReason = 'refused' | 'max-hold' | 'deadline' | 'token-moved' | 'stopped';

/** Raised by the guard: the lease may be gone, so no NAVER call may start any more. */
export class LeaseLostError extends Error {
  override readonly name = 'LeaseLostError';
  readonly reason: LeaseLossReason;
  /** With `max-hold`: the maximum total hold the lock-service enforces, when it said so. */
  readonly maxHoldMs: number | undefined;
  constructor(message: string, reason: LeaseLossReason = 'deadline', maxHoldMs?: number) {
    super(message);
    this.reason = reason;
    this.maxHoldMs = maxHoldMs;
  }
}

export interface LeaseDeadline {
  /** Monotonic instant after which no call may start (moves later with each successful renewal). */
  readonly stopStartingAt: number;
  /** Aborted at the lease deadline, cancelling calls still in flight; its reason is a LeaseLostError. */
  readonly signal: AbortSignal;
  /** Milliseconds until the lease deadline (negative once past it). */
  remainingMs(): number;
  /** Throws LeaseLostError when a new call could outlive the lease. */
  check(): void;
  /**
   * A renewal sent at monotonic `sentAtMono` was granted for `ttlMs`: the lease now lasts at least until
   * sentAtMono + ttlMs. Measured from the send, not the answer, so a slow answer can only make the view shorter.
   */
  extend(sentAtMono: number, ttlMs: number): void;
  /**
   * The lock-service will not extend the lease again (its maximum total hold is reached): the deadline stands, and
   * reaching it is reported as `max-hold` rather than as a lease that ran out.
   */
  markMaxHold(maxHoldMs: number): void;
  /** The lease is known gone (a renewal was refused, another token holds it, the holder stops): abort now. */
  lose(reason: LeaseLossReason, message: string, details?: { maxHoldMs?: number }): void;
  dispose(): void;
}

/**
 * The holder's view of its lease, on the monotonic clock from the moment the grant was received: wall clocks of the
 * lock-service and this machine may disagree, so the remaining time is read once and the safety margin covers drift.
 */
export function leaseDeadline(
  clock: Clock,
  grant: { leaseExpiresAt: string; leaseTtlMs: number },
  safetyMarginMs: number,
): LeaseDeadline {
  const remaining = Math.min(grant.leaseTtlMs, Date.parse(grant.leaseExpiresAt) - clock.now().getTime());
  let deadline = clock.monotonicMs() + remaining;
  let maxHoldMs: number | undefined;
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const atDeadline = (what: string) =>
    maxHoldMs === undefined
      ? new LeaseLostError(`the NAVER lease ${what}`, 'deadline')
      : new LeaseLostError(`the NAVER lease ${what} at its maximum hold`, 'max-hold', maxHoldMs);
  const arm = () => {
    clearTimeout(timer);
    if (controller.signal.aborted) return;
    timer = setTimeout(
      () => controller.abort(atDeadline('reached its deadline')),
      Math.max(0, deadline - clock.monotonicMs()),
    );
    timer.unref();
  };
  arm();
  return {
    get stopStartingAt() {
      return deadline - safetyMarginMs;
    },
    signal: controller.signal,
    remainingMs: () => deadline - clock.monotonicMs(),
    check() {
      // Once lost, every later check says why it was lost.
      if (controller.signal.aborted) {
        const reason: unknown = controller.signal.reason;
        throw reason instanceof LeaseLostError ? reason : new LeaseLostError('the NAVER lease is gone');
      }
      if (clock.monotonicMs() >= deadline - safetyMarginMs) {
        throw atDeadline('is too close to its deadline to start another call');
      }
    },
    extend(sentAtMono, ttlMs) {
      if (controller.signal.aborted || sentAtMono + ttlMs <= deadline) return;
      deadline = sentAtMono + ttlMs;
      arm();
    },
    markMaxHold(ms) {
      maxHoldMs = ms;
    },
    lose(reason, message, details) {
      clearTimeout(timer);
      if (!controller.signal.aborted) controller.abort(new LeaseLostError(message, reason, details?.maxHoldMs));
    },
    dispose: () => clearTimeout(timer),
  };
}
