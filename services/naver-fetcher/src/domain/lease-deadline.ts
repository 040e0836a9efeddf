import type { Clock } from '@reportline/platform';

/** Raised by the guard: the lease may be gone, so no NAVER call may start any more. */
export class LeaseLostError extends Error {
  override readonly name = 'LeaseLostError';
}

export interface LeaseDeadline {
  /** Monotonic instant after which no call may start. */
  readonly stopStartingAt: number;
  /** Aborted at the lease deadline, cancelling calls still in flight. */
  readonly signal: AbortSignal;
  /** Throws LeaseLostError when a new call could outlive the lease. */
  check(): void;
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
  const deadline = clock.monotonicMs() + remaining;
  const stopStartingAt = deadline - safetyMarginMs;
  const controller = new AbortController();
  const timer = setTimeout(
    () => controller.abort(new LeaseLostError('the NAVER lease reached its deadline')),
    Math.max(0, remaining),
  );
  timer.unref();
  return {
    stopStartingAt,
    signal: controller.signal,
    check() {
      if (controller.signal.aborted || clock.monotonicMs() >= stopStartingAt) {
        throw new LeaseLostError('the NAVER lease is too close to its deadline to start another call');
      }
    },
    dispose: () => clearTimeout(timer),
  };
}
