import type { ReportlineEvent } from '@reportline/contracts';
import type { LockCommand } from './lock.ts';

/** What an incoming event asks of the lock, if anything. */
export function commandFor(event: ReportlineEvent): LockCommand | undefined {
  switch (event.type) {
    case 'LeaseRequested':
      // The fetcher owns the data calendar and asks only when NAVER is needed; ImportRequested is no request for the
      // lock any more (an import served from the store never holds a lease).
      return {
        kind: 'request',
        importId: event.importId,
        priority: event.data.request.priority,
        eventId: event.id,
        correlationId: event.correlationId,
        request: event.data.request,
      };
    case 'LeaseReleased':
      // Only v2 can say 'aborted'; a v1 release (done | failed) never takes the lock-delay.
      return {
        kind: 'release',
        importId: event.importId,
        token: event.fencingToken,
        aborted: event.data.outcome === 'aborted',
      };
    case 'ImportFailed':
      // A queued import that failed or was cancelled elsewhere leaves the queue; a holder releases on its own.
      return { kind: 'cancel', importId: event.importId };
    default:
      return undefined;
  }
}

/**
 * Whether giving up on `event` must end its import: a lease request the lock cannot decide would otherwise wait in no
 * queue, for ever. A release or failure given up on is only dead-lettered: the lease then expires on its own.
 */
export function endsImportOnGiveUp(event: ReportlineEvent): boolean {
  return event.type === 'LeaseRequested';
}
