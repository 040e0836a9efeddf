import { type EventOfType, LeaseReleasedV1, makeEvent } from '@reportline/contracts';
import {
  keepLease,
  LeaseLostError,
  type LockServiceClient,
  leaseDeadline,
  lockServiceClient,
} from '@reportline/lease-holder';
// The holder-side library the fetcher uses, and the production NAVER client (relative: not dependencies of this package).
import { createNaverClient } from '@reportline/naver-client';
import { type Bus, systemClock } from '@reportline/platform';

/** A lock-service client that tries every known instance in turn (one may be paused or dead). */
export function anyInstance(urls: () => string[], credential: string): LockServiceClient {
  const clientFor = (url: string) => lockServiceClient(url, { credential, timeoutMs: 400 });
  const firstAnswer = async <T>(call: (c: LockServiceClient) => Promise<T>) => {
    let last: unknown;
    for (const url of urls()) {
      try {
        return await call(clientFor(url));
      } catch (err) {
        last = err;
      }
    }
    throw last;
  };
  return {
    renew: (...a) => firstAnswer((c) => c.renew(...a)),
    currentToken: (...a) => firstAnswer((c) => c.currentToken(...a)),
  };
}

export interface HolderOutcome {
  importId: string;
  token: number;
  calls: number;
  /** A call the guard refused because the lease was (nearly) gone. */
  refused: boolean;
}

/**
 * Works like the fetcher: NAVER calls under the guard (deadline + token check), renewals every TTL/3, then a release.
 * `pauseMs` freezes the holder after its first call without renewing (like a stopped process) before it tries again.
 */
export async function hold(
  grant: EventOfType<'LockGranted'>,
  opts: {
    bus: Bus;
    naver: { baseUrl: string; apiKey: string; secret: string };
    lockService: LockServiceClient;
    calls: number;
    pauseMs?: number;
  },
): Promise<HolderOutcome> {
  const { importId, customerId, fencingToken: token } = grant;
  const lease = leaseDeadline(systemClock, grant.data, 300);
  const keeper = keepLease({
    clock: systemClock,
    lease,
    lockService: opts.lockService,
    grant: { customerId, importId, fencingToken: token, leaseTtlMs: grant.data.leaseTtlMs },
    tokenCacheMs: 200,
  });
  const client = createNaverClient({
    ...opts.naver,
    customerId,
    origin: `${importId}#${token}`,
    timeoutMs: 1_000,
    guard: () => keeper.guard(),
  });
  const outcome: HolderOutcome = { importId, token, calls: 0, refused: false };
  try {
    for (let i = 0; i < opts.calls; i++) {
      if (i === 1 && opts.pauseMs) {
        keeper.stop();
        await new Promise((r) => setTimeout(r, opts.pauseMs));
      }
      await client.listStatReports({ signal: lease.signal });
      outcome.calls++;
    }
    await opts.bus.publish([
      makeEvent(
        LeaseReleasedV1,
        { outcome: 'done', naverRequests: outcome.calls },
        { source: 'test-holder', importId, customerId, fencingToken: token, causedBy: grant, now: new Date() },
      ),
    ]);
  } catch (err) {
    if (!(err instanceof LeaseLostError) && !lease.signal.aborted) throw err;
    outcome.refused = true;
  } finally {
    keeper.stop();
    lease.dispose();
  }
  return outcome;
}
