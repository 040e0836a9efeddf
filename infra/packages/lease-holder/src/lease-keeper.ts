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
 * Keeps a lease alive while its holder works: renews every TTL/3 over HTTP (a direct call, so the answer comes back
 * to this very process at once, whatever the Kafka partitions do) and extends the monotonic deadline only from each
 * renewal's send time. A refused renewal aborts the lease at once; a failing lock-service simply stops the extensions,
 * and the deadline runs out on its own.
 */
export function keepLease(opts: LeaseKeeperOptions): LeaseKeeper {
  const { clock, lease, lockService, grant } = opts;
  const tokenCacheMs = opts.tokenCacheMs ?? 1_000;
  const everyMs = Math.max(10, Math.floor(grant.leaseTtlMs / 3));
  let confirmedAt = clock.monotonicMs(); // the grant itself says the token is current
  let stopped = false;

  const lost = (why: string) => {
    lease.lose(`the NAVER lease of token ${grant.fencingToken} is gone: ${why}`);
  };
  const renew = async () => {
    const sentAt = clock.monotonicMs();
    try {
      const answer = await lockService.renew(grant.customerId, grant.importId, grant.fencingToken);
      if (!answer.held) return lost('the lock-service refused its renewal');
      lease.extend(sentAt, answer.leaseTtlMs);
      confirmedAt = Math.max(confirmedAt, sentAt);
    } catch (err) {
      opts.onError?.(err);
    }
  };
  const timer = setInterval(() => {
    if (!stopped) void renew();
  }, everyMs);
  timer.unref();

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
        lost(`token ${current ?? 'none'} holds it now`);
        throw new LeaseLostError(`token ${grant.fencingToken} no longer holds the NAVER lease`);
      }
      confirmedAt = Math.max(confirmedAt, sentAt);
      lease.check();
    },
    stop() {
      stopped = true;
      clearInterval(timer);
    },
  };
}
