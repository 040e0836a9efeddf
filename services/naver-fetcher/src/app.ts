import { topics } from '@reportline/contracts';
import { lockServiceClient } from '@reportline/lease-holder';
import { type NaverClient, RateBudget } from '@reportline/naver-client';
import {
  type BuiltService,
  type Bus,
  type Clock,
  createServiceRuntime,
  type Logger,
  postgresBlobStore,
  postgresSecretStore,
  type Queryable,
  type Running,
  systemClock,
} from '@reportline/platform';
import { abandonGrant } from './abandon.ts';
import type { FetcherConfig } from './config.ts';
import {
  acceptCheckGrant,
  answerMalformedRequest,
  answerOnGiveUp,
  onCheckLeaseFailed,
  onCredentialsCheckRequested,
} from './credential-checks.ts';
import { checkOf } from './domain/grant.ts';
import { buildTimes } from './download-window.ts';
import { masterDue, refreshMasterData, snapshotCache } from './master-data.ts';
import { onImportCancelled, onImportRequested, REQUESTS_CONSUMER } from './requests.ts';
import { acceptGrant, SERVICE } from './work.ts';
import { workRunner } from './work-runner.ts';

export interface FetcherDeps {
  bus?: Bus;
  clock?: Clock;
  logger?: Logger;
  fetch?: typeof fetch;
}

/** The fetcher wired, not started: its HTTP app and `start` (relay, grants subscription, listen). */
export async function buildFetcher(config: FetcherConfig, deps: FetcherDeps = {}): Promise<BuiltService> {
  const rt = await createServiceRuntime({ service: SERVICE, config, ...deps });
  const blobs = postgresBlobStore(rt.pool);
  const clock = deps.clock ?? systemClock;
  const work = {
    config,
    pool: rt.pool,
    blobs,
    secrets: postgresSecretStore(rt.pool, config.SECRETS_KEY),
    relay: rt.relay,
    clock,
    logger: rt.logger,
    // One budget per process: every lease of a customer id paces its NAVER requests through the same lane.
    budget: new RateBudget({ maxPerSecond: config.NAVER_REQUESTS_PER_SECOND }),
    buildTime: buildTimes(config.NAVER_POLL_MS),
    masterSnapshot: snapshotCache(blobs),
    fetch: deps.fetch,
    metrics: rt.metrics,
    masterData: async (client: NaverClient, db: Queryable, signal: AbortSignal, stopWaiting: AbortSignal) => {
      if (!(await masterDue(db, client.customerId, clock.now(), config.MASTER_REFRESH_MS))) return undefined;
      const now = () => clock.now();
      const common = { client, db, customerId: client.customerId, now, signal, stopWaiting };
      // The wait ends with the report work (stopWaiting); the lease's maximum hold bounds it otherwise.
      return refreshMasterData({ ...common, pollMs: config.NAVER_POLL_MS, waitMs: config.NAVER_BUILD_TIMEOUT_MS });
    },
    lockService:
      config.LOCK_SERVICE_URL && config.INTERNAL_API_TOKEN
        ? lockServiceClient(config.LOCK_SERVICE_URL, { credential: config.INTERNAL_API_TOKEN })
        : undefined,
  };

  // Exposed at 0 from the start, so dashboards and alerts see both series before the first report is served.
  rt.metrics.reportDays.inc({ source: 'store' }, 0);
  rt.metrics.reportDays.inc({ source: 'naver' }, 0);
  const requests = {
    config,
    pool: rt.pool,
    secrets: work.secrets,
    clock: work.clock,
    logger: rt.logger,
    nudge: () => rt.relay.nudge(),
    service: SERVICE,
    masterSnapshot: work.masterSnapshot,
    onServed: (n: number) => rt.metrics.reportDays.inc({ source: 'store' }, n),
  };
  const runner = workRunner(config.NAVER_MAX_CONCURRENT_IMPORTS, rt.logger);
  const requestsFailure = rt.failurePolicy({ consumer: REQUESTS_CONSUMER, stage: 'download' });
  return rt.assemble({
    subscriptions: [
      {
        // Each import is planned against the data calendar first: served from the store, or sent to the lock. A
        // credentials check asks for the lock at once; the lock-service ending its wait answers it.
        group: REQUESTS_CONSUMER,
        topics: [topics.imports],
        failure: {
          ...requestsFailure,
          // A check given up on is answered (CredentialsChecked), not failed as an import.
          giveUp: async (event, why) => {
            if (!(await answerOnGiveUp(requests, event, why))) await requestsFailure.giveUp?.(event, why);
          },
          // A check request that does not decode still gets its answer when it names the check and the connection.
          undecodable: (message, why) => answerMalformedRequest(requests, message, why),
        },
        handle: async (event) => {
          if (event.type === 'ImportRequested') await onImportRequested(requests, event);
          else if (event.type === 'CredentialsCheckRequested') await onCredentialsCheckRequested(requests, event);
          else if (event.type === 'ImportFailed') {
            await onCheckLeaseFailed(requests, event);
            await onImportCancelled(requests, event);
          }
        },
      },
      {
        group: 'naver-fetcher-grants',
        topics: [topics.leases],
        // A grant that cannot be served (a v1 grant carries no request) ends its import and gives the lease back at once.
        failure: {
          ...rt.failurePolicy({ consumer: 'naver-fetcher-grants' }),
          giveUp: async (event, why) => {
            if (event.type !== 'LockGranted' || (await answerOnGiveUp(requests, event, why))) return;
            const abandon = { pool: rt.pool, clock: work.clock, service: SERVICE, nudge: rt.relay.nudge };
            await abandonGrant(abandon, event, why);
          },
        },
        handle: async (event) => {
          if (event.type !== 'LockGranted') return;
          const check = checkOf(event);
          await runner.start(() => (check ? acceptCheckGrant(work, event, check) : acceptGrant(work, event)));
        },
      },
    ],
    // Lose the running leases first (their imports fail as retryable and the leases go to the next waiters), so a
    // grant handler waiting for a free slot cannot hold up the subscriber's stop; then once more for late starts.
    beforeStop: () => runner.stop(),
    loops: [() => () => runner.stop()],
  });
}

export async function startFetcher(config: FetcherConfig, deps: FetcherDeps = {}): Promise<Running & { url: string }> {
  return (await buildFetcher(config, deps)).start();
}
