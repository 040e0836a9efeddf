import { type ServiceMetrics, secondsBetween } from '@reportline/platform';
import type { Decided } from './decisions.ts';

/**
 * Lease wait and hold times from committed decisions (called after the transaction, so a rolled-back decision is
 * never counted): the wait is the grant's `waitedMs`; the hold runs from the holder's `grantedAt` to the instant the
 * release or expiry was decided, labelled with how it ended.
 */
export function observeLeases(metrics: Pick<ServiceMetrics, 'leaseWait' | 'leaseHold'>, decided: Decided | undefined) {
  if (!decided) return;
  let holder = decided.before.holder;
  for (const e of decided.events) {
    if (e.kind === 'granted') {
      metrics.leaseWait.observe(e.waitedMs / 1000);
      holder = e.holder;
    } else if (e.kind === 'released' || e.kind === 'expired') {
      if (holder && holder.importId === e.importId && holder.token === e.token) {
        const end =
          e.kind === 'released'
            ? e.lockDelayUntil
              ? 'aborted'
              : 'released'
            : e.maxHoldReached
              ? 'max-hold'
              : 'expired';
        metrics.leaseHold.observe({ end }, secondsBetween(holder.grantedAt, e.at));
      }
      holder = null;
    }
  }
}
