import type { CredentialsCheck, EventOfType, ImportRequest } from '@reportline/contracts';
import { PermanentFailureError } from '@reportline/platform';

/** The credentials check a grant is for (LockGranted v3), or undefined for an import's grant. */
export function checkOf(grant: EventOfType<'LockGranted'>): CredentialsCheck | undefined {
  return grant.version === 3 && grant.data.work.kind === 'credentials-check' ? grant.data.work.check : undefined;
}

/**
 * What the fetcher works from: the import's request, carried by LockGranted v2. A v1 grant (for a waiter the
 * lock-service queued before it passed requests on) carries none, and the fetcher keeps no copy of requests, so
 * retrying cannot help: the bus gives up at once, and the give-up ends the import and gives the lease back.
 */
export function requestOf(grant: EventOfType<'LockGranted'>): ImportRequest {
  if (grant.version === 2) return grant.data.request;
  if (grant.version === 3 && grant.data.work.kind === 'import') return grant.data.work.request;
  throw new PermanentFailureError(
    'grant-without-request',
    `the NAVER lease was granted without the import's request (the import was queued before the lock-service ` +
      'passed requests on); request the import again',
    { importRetryable: true },
  );
}
