import {
  ImportFailedV1,
  LeaseExpiredV1,
  LeaseRenewedV1,
  LockGrantedV1,
  LockGrantedV2,
  LockGrantedV3,
  LockQueuedV1,
  makeEvent,
  type ReportlineEvent,
} from '@reportline/contracts';
import { evolve, grantOrder } from './decide.ts';
import type { CustomerLock, LockEvent, LockPolicy } from './lock.ts';

const SOURCE = 'lock-service';

/** A duration for a person: minutes once it is a minute or more, seconds below (tests use short bounds). */
const duration = (ms: number) => (ms >= 60_000 ? `${Math.round(ms / 60_000)} min` : `${Math.round(ms / 1000)} s`);

/**
 * The lock's decisions other services must know about, as published events, from the state before them (`before`)
 * and what was decided. Queue changes stay internal (visible through the read model), except the acknowledgement that
 * a request was queued and a waiter leaving the queue because it waited too long.
 */
export function toPublished(
  before: CustomerLock,
  events: readonly LockEvent[],
  now: Date,
  policy: LockPolicy,
): ReportlineEvent[] {
  const { customerId } = before;
  const out: ReportlineEvent[] = [];
  let state = before;
  for (const e of events) {
    state = evolve(state, e);
    if (e.kind === 'queued') {
      // Published for every queued request, also one granted in the same decision: the scheduler can rely on it as
      // the proof that a LeaseRequested reached the lock.
      const w = e.waiter;
      const position = grantOrder(state).findIndex((q) => q.importId === w.importId) + 1;
      out.push(
        makeEvent(
          LockQueuedV1,
          {
            priority: w.priority,
            position,
            queueLength: state.queue.length,
            maxQueueWaitMs: policy.maxQueueWaitMs,
          },
          {
            source: SOURCE,
            importId: w.importId,
            customerId,
            causedBy: { id: w.requestEventId, correlationId: w.correlationId },
            now,
          },
        ),
      );
    } else if (e.kind === 'granted') {
      const causedBy = { id: e.holder.requestEventId, correlationId: e.holder.correlationId };
      const ctx = {
        source: SOURCE,
        importId: e.holder.importId,
        customerId,
        causedBy,
        fencingToken: e.holder.token,
        now,
      };
      const lease = { leaseTtlMs: policy.leaseTtlMs, leaseExpiresAt: e.holder.expiresAt, waitedMs: e.waitedMs };
      // A waiter queued before the lock kept requests has none to pass on: v1 says so, and the fetcher ends the import.
      // An import is granted with v2 as before; only a credentials check needs v3 (whose `work` says which it is).
      out.push(
        e.check
          ? makeEvent(LockGrantedV3, { ...lease, work: { kind: 'credentials-check', check: e.check } }, ctx)
          : e.request
            ? makeEvent(LockGrantedV2, { ...lease, request: e.request }, ctx)
            : makeEvent(LockGrantedV1, lease, ctx),
      );
    } else if (e.kind === 'renewed') {
      out.push(
        makeEvent(
          LeaseRenewedV1,
          // What this renewal granted from now: the TTL, or less where the maximum hold caps it.
          { leaseTtlMs: Date.parse(e.expiresAt) - now.getTime(), leaseExpiresAt: e.expiresAt },
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
      const failure = e.maxHoldReached
        ? {
            code: 'lease-max-hold',
            message:
              `the NAVER work for customer ${customerId} reached the maximum lease hold of ${duration(policy.maxHoldMs)} ` +
              'and was stopped so other imports of this account can run; run the import again (a shorter date range ' +
              'finishes sooner)',
          }
        : {
            code: 'lease-expired',
            message: `the NAVER lease for customer ${customerId} expired before the import released it; run the import again`,
          };
      const failed = makeEvent(
        ImportFailedV1,
        { stage: 'lease', ...failure, retryable: true },
        { source: SOURCE, importId: e.importId, customerId, now, causedBy: expired },
      );
      out.push(expired, failed);
    } else if (e.kind === 'timedOut') {
      out.push(
        makeEvent(
          ImportFailedV1,
          {
            stage: 'queue',
            code: 'queue-timeout',
            message:
              `the import waited ${duration(e.waitedMs)} for the NAVER lease of customer ${customerId} (the queue ` +
              `allows ${duration(policy.maxQueueWaitMs)}) while other imports of this account held it; run it again ` +
              'later, when fewer imports of this account are running',
            retryable: true,
          },
          {
            source: SOURCE,
            importId: e.importId,
            customerId,
            causedBy: { id: e.requestEventId, correlationId: e.correlationId },
            now,
          },
        ),
      );
    }
  }
  return out;
}
