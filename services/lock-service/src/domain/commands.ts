import type { ReportlineEvent } from '@reportline/contracts';
import type { LockCommand } from './lock.ts';

/** What an incoming event asks of the lock, if anything. */
export function commandFor(event: ReportlineEvent): LockCommand | undefined {
  switch (event.type) {
    case 'ImportRequested':
      return {
        kind: 'request',
        importId: event.importId,
        priority: event.data.priority,
        eventId: event.id,
        correlationId: event.correlationId,
        request: event.data,
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
