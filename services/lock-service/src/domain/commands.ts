import type { ReportlineEvent } from '@reportline/contracts';
import type { LockCommand } from './lock.ts';

/** What an incoming event asks of the lock, if anything. */
export function commandFor(event: ReportlineEvent): LockCommand | undefined {
  switch (event.type) {
    case 'LeaseRequested': {
      // The fetcher owns the data calendar and asks only when NAVER is needed; ImportRequested is no request for the
      // lock any more (an import served from the store never holds a lease). v2 may ask for a credentials check
      // instead of an import: queued, granted, fenced and released like one, at the priority it names.
      const common = { kind: 'request' as const, importId: event.importId, eventId: event.id };
      const correlationId = event.correlationId;
      if (event.version === 1) {
        return { ...common, correlationId, priority: event.data.request.priority, request: event.data.request };
      }
      const { work, priority } = event.data;
      return work.kind === 'import'
        ? { ...common, correlationId, priority, request: work.request }
        : { ...common, correlationId, priority, request: null, check: work.check };
    }
    case 'LeaseReleased':
      // Only v2 can say 'aborted'; a v1 release (done | failed) never takes the lock-delay.
      return {
        kind: 'release',
        importId: event.importId,
        token: event.fencingToken,
        aborted: event.data.outcome === 'aborted',
      };
    case 'ImportFailed':
    case 'CredentialsChecked':
      // A queued import that failed or was cancelled elsewhere leaves the queue; a holder releases on its own. So does
      // a credentials check answered without its lease (its credentials are missing, say).
      return { kind: 'cancel', importId: event.importId };
    default:
      return undefined;
  }
}

/**
 * Whether giving up on `event` must end its import: a lease request the lock cannot decide would otherwise wait in no
 * queue, for ever. A release or failure given up on is only dead-lettered: the lease then expires on its own. For a
 * credentials check's request the ImportFailed (check id as import id) tells the fetcher, which answers the check.
 */
export function endsImportOnGiveUp(event: ReportlineEvent): boolean {
  return event.type === 'LeaseRequested';
}
