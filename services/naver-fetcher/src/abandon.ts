import { type EventOfType, LeaseReleasedV2, makeEvent } from '@reportline/contracts';
import {
  appendToOutbox,
  type Clock,
  type GaveUp,
  importFailedOnGiveUp,
  type Pool,
  withTransaction,
} from '@reportline/platform';
import { claimFetch, finishFetch } from './store.ts';

/**
 * The fetcher gave up on a grant before any work started under it (a v1 grant without the request, say): the import ends
 * failed and the lease goes back at once, rather than blocking the customer id until it expires. A lease that a run
 * already claimed is left to that run, which releases it itself.
 */
export async function abandonGrant(
  deps: { pool: Pool; clock: Clock; service: string; nudge: () => void },
  grant: EventOfType<'LockGranted'>,
  why: GaveUp,
): Promise<void> {
  const { importId, customerId, fencingToken: token } = grant;
  const now = deps.clock.now();
  const failed = importFailedOnGiveUp(grant, why, { service: deps.service, stage: 'download', now });
  const wrote = await withTransaction(deps.pool, async (tx) => {
    if (!failed || !(await claimFetch(tx, importId, token, customerId))) return false;
    const ctx = { source: deps.service, importId, customerId, fencingToken: token, causedBy: grant, now };
    const released = makeEvent(LeaseReleasedV2, { outcome: 'failed', naverRequests: 0 }, ctx);
    await appendToOutbox(tx, deps.service, [released, failed]);
    await finishFetch(tx, { importId, token, outcome: 'failed', naverRequests: 0 });
    return true;
  });
  if (wrote) deps.nudge();
}
