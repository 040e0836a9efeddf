import type { EventOfType, ImportRequest } from '@reportline/contracts';
import { PermanentFailureError } from '@reportline/platform';

/**
 * What the fetcher works from: the import's request, carried by LockGranted v2. A v1 grant (for a waiter the
 * lock-service queued before it passed requests on) carries none, and the fetcher keeps no copy of requests, so
 * retrying cannot help: the bus gives up at once, and the give-up ends the import and gives the lease back.
 */
export function requestOf(grant: EventOfType<'LockGranted'>): ImportRequest {
  if (grant.version === 2) return grant.data.request;
  throw new PermanentFailureError(
    'grant-without-request',
    `the NAVER lease was granted without the import's request (the import was queued before the lock-service ` +
      'passed requests on); request the import again',
    { importRetryable: true },
  );
}
