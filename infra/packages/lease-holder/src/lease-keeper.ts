import type { Clock } from '@reportline/platform';
import { type LeaseDeadline, LeaseLostError } from './lease-deadline.ts';
import type { LockServiceClient } from './lock-service-client.ts';

export interface LeaseKeeper {
  /** The guard before each NAVER call: deadline first, then that our token is still the current one. */
  guard(): Promise<void>;
  stop(): void;
}

export interface LeaseKeeperOptions {
  clock: Clock;
  lease: LeaseDeadline;
  lockService: LockServiceClient;
  grant: { customerId: string; importId: string; fencingToken: number; leaseTtlMs: number };
  /** How old a "token is current" answer may be before the guard asks again. Default 1 s. */
  tokenCacheMs?: number;
  onError?: (err: unknown) => void;
}

/**
 * Keeps a lease alive while its holder works: renews over HTTP (a direct call, so the answer comes back to this very
 * process at once, whatever the Kafka partitions do) whenever the lease has 2/3 of its TTL left — every TTL/3 in the
 * steady state, and at once for a grant that arrived late (consumer lag, a slow rebalance) with less than that left —
 * and extends the monotonic deadline only from each renewal's send time. A refused renewal aborts the lease at once,
 * saying why (`refused`, `max-hold`); a failing lock-service is retried every TTL/6, and if it stays down the deadline
 * runs out on its own. Once a renewal reaches the lease's maximum hold there is nothing left to renew: the keeper stops
 * renewing and the deadline, reached, reads as `max-hold`.
 */
export function keepLease(opts: LeaseKeeperOptions): LeaseKeeper {
  const { clock, lease, lockService, grant } = opts;
  const tokenCacheMs = opts.tokenCacheMs ?? 1_000;
  const ttl = grant.leaseTtlMs;
  const retryMs = Math.max(10, Math.floor(ttl / 6));
  let confirmedAt = clock.monotonicMs(); // the grant itself says the token is current
  let stopped = false;
  let lastExtension = false;
  let timer: NodeJS.Timeout | undefined;

  const lost = (reason: 'refused' | 'max-hold' | 'token-moved', why: string, maxHoldMs?: number) => {
    lease.lose(reason, `the NAVER lease of token ${grant.fencingToken} is gone: ${why}`, { maxHoldMs });
  };
  /** Whether the lease was extended. */
  const renew = async (): Promise<boolean> => {
    const sentAt = clock.monotonicMs();
    try {
      const answer = await lockService.renew(grant.customerId, grant.importId, grant.fencingToken);
      if (!answer.held) {
        if (answer.reason === 'max-hold')
          lost('max-hold', 'it reached its maximum hold and is not extended any more', answer.maxHoldMs);
        else lost('refused', 'the lock-service refused its renewal');
        return false;
      }
      lease.extend(sentAt, answer.leaseTtlMs);
      confirmedAt = Math.max(confirmedAt, sentAt);
      if (Date.parse(answer.leaseExpiresAt) >= Date.parse(answer.maxHoldUntil)) {
        lastExtension = true;
        lease.markMaxHold(answer.maxHoldMs);
      }
      return true;
    } catch (err) {
      opts.onError?.(err);
      return false;
    }
  };
  // Due when 2/3 of the TTL is left: a renewal then still leaves the holder more than TTL/3 of margin if it is slow.
  const dueInMs = () => lease.remainingMs() - (2 * ttl) / 3;
  const schedule = (delayMs: number) => {
    if (stopped || lastExtension || lease.signal.aborted) return;
    timer = setTimeout(() => void renew().then((ok) => schedule(ok ? Math.max(10, dueInMs()) : retryMs)), delayMs);
    timer.unref();
  };
  schedule(Math.max(0, dueInMs()));

  return {
    async guard() {
      lease.check();
      if (clock.monotonicMs() - confirmedAt <= tokenCacheMs) return;
      const sentAt = clock.monotonicMs();
      let current: number | null;
      try {
        current = await lockService.currentToken(grant.customerId);
      } catch (err) {
        // Unreachable lock-service: the deadline alone still keeps this holder inside its lease.
        opts.onError?.(err);
        return lease.check();
      }
      if (current !== grant.fencingToken) {
        lost('token-moved', `token ${current ?? 'none'} holds it now`);
        throw new LeaseLostError(`token ${grant.fencingToken} no longer holds the NAVER lease`, 'token-moved');
      }
      confirmedAt = Math.max(confirmedAt, sentAt);
      lease.check();
    },
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
