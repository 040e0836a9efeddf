import {
  ImportFailedV1,
  LeaseExpiredV1,
  LeaseRenewedV1,
  LockGrantedV1,
  makeEvent,
  type ReportlineEvent,
} from '@reportline/contracts';
import type { LockEvent, LockPolicy } from './lock.ts';

const SOURCE = 'lock-service';

/**
 * The lock's decisions other services must know about, as published events. Queue changes stay internal; they are
 * visible through the read model.
 */
export function toPublished(
  customerId: string,
  events: readonly LockEvent[],
  now: Date,
  policy: LockPolicy,
): ReportlineEvent[] {
  const out: ReportlineEvent[] = [];
  for (const e of events) {
    if (e.kind === 'granted') {
      const causedBy = { id: e.holder.requestEventId, correlationId: e.holder.correlationId };
      out.push(
        makeEvent(
          LockGrantedV1,
          { leaseTtlMs: policy.leaseTtlMs, leaseExpiresAt: e.holder.expiresAt, waitedMs: e.waitedMs },
          { source: SOURCE, importId: e.holder.importId, customerId, causedBy, fencingToken: e.holder.token, now },
        ),
      );
    } else if (e.kind === 'renewed') {
      out.push(
        makeEvent(
          LeaseRenewedV1,
          { leaseTtlMs: policy.leaseTtlMs, leaseExpiresAt: e.expiresAt },
          {
            source: SOURCE,
            importId: e.importId,
            customerId,
            fencingToken: e.token,
            causedBy: { id: e.correlationId, correlationId: e.correlationId },
            now,
          },
        ),
      );
    } else if (e.kind === 'expired') {
      const ctx = { source: SOURCE, importId: e.importId, customerId, now, fencingToken: e.token };
      const expired = makeEvent(
        LeaseExpiredV1,
        { expiredAt: e.at, lockDelayUntil: e.lockDelayUntil },
        { ...ctx, causedBy: { id: e.correlationId, correlationId: e.correlationId } },
      );
      // An import whose lease ran out did not finish its NAVER work; it ends here so nothing waits forever.
      const failed = makeEvent(
        ImportFailedV1,
        {
          stage: 'lease',
          code: 'lease-expired',
          message: `the NAVER lease for customer ${customerId} expired before the import released it; run the import again`,
          retryable: true,
        },
        { source: SOURCE, importId: e.importId, customerId, now, causedBy: expired },
      );
      out.push(expired, failed);
    }
  }
  return out;
}
