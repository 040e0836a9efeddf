import type { Clock } from '@reportline/platform';

/** Raised by the guard: the lease may be gone, so no NAVER call may start any more. */
export class LeaseLostError extends Error {
  override readonly name = 'LeaseLostError';
}

export interface LeaseDeadline {
  /** Monotonic instant after which no call may start (moves later with each successful renewal). */
  readonly stopStartingAt: number;
  /** Aborted at the lease deadline, cancelling calls still in flight. */
  readonly signal: AbortSignal;
  /** Throws LeaseLostError when a new call could outlive the lease. */
  check(): void;
  /**
   * A renewal sent at monotonic `sentAtMono` was granted for `ttlMs`: the lease now lasts at least until
   * sentAtMono + ttlMs. Measured from the send, not the answer, so a slow answer can only make the view shorter.
   */
  extend(sentAtMono: number, ttlMs: number): void;
  /** The lease is known gone (a renewal was refused): abort now. */
  lose(reason: string): void;
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
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    clearTimeout(timer);
    if (controller.signal.aborted) return;
    timer = setTimeout(
      () => controller.abort(new LeaseLostError('the NAVER lease reached its deadline')),
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
    check() {
      if (controller.signal.aborted || clock.monotonicMs() >= deadline - safetyMarginMs) {
        throw new LeaseLostError('the NAVER lease is too close to its deadline to start another call');
      }
    },
    extend(sentAtMono, ttlMs) {
      if (controller.signal.aborted || sentAtMono + ttlMs <= deadline) return;
      deadline = sentAtMono + ttlMs;
      arm();
    },
    lose(reason) {
      clearTimeout(timer);
      if (!controller.signal.aborted) controller.abort(new LeaseLostError(reason));
    },
    dispose: () => clearTimeout(timer),
  };
}
