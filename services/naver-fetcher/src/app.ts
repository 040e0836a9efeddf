import { topics } from '@reportline/contracts';
import { lockServiceClient } from '@reportline/lease-holder';
import { sharedRateBudget } from '@reportline/naver-client';
import {
  type Bus,
  type Clock,
  createServiceRuntime,
  type Logger,
  postgresBlobStore,
  postgresSecretStore,
  type Running,
  systemClock,
} from '@reportline/platform';
import { abandonGrant } from './abandon.ts';
import type { FetcherConfig } from './config.ts';
import { saveRequest } from './store.ts';
import { acceptGrant, SERVICE } from './work.ts';
import { workRunner } from './work-runner.ts';

export interface FetcherDeps {
  bus?: Bus;
  clock?: Clock;
  logger?: Logger;
  fetch?: typeof fetch;
}

export async function startFetcher(config: FetcherConfig, deps: FetcherDeps = {}): Promise<Running & { url: string }> {
  const rt = await createServiceRuntime({ service: SERVICE, config, ...deps });
  const work = {
    config,
    pool: rt.pool,
    blobs: postgresBlobStore(rt.pool),
    secrets: postgresSecretStore(rt.pool, config.SECRETS_KEY),
    relay: rt.relay,
    clock: deps.clock ?? systemClock,
    logger: rt.logger,
    budget: sharedRateBudget,
    fetch: deps.fetch,
    lockService:
      config.LOCK_SERVICE_URL && config.INTERNAL_API_TOKEN
        ? lockServiceClient(config.LOCK_SERVICE_URL, { credential: config.INTERNAL_API_TOKEN })
        : undefined,
  };

  // Two groups, so a grant waiting for its request never blocks the consumption of that request.
  const requests = await rt.bus.subscribe({
    group: 'naver-fetcher-requests',
    topics: [topics.imports],
    // A copy of the request only: giving up here must not fail the import (its grant's handler does, bounded).
    failure: rt.failurePolicy({ consumer: 'naver-fetcher-requests' }),
    handle: async (event) => {
      if (event.type === 'ImportRequested') await saveRequest(rt.pool, event);
    },
  });
  const runner = workRunner(config.NAVER_MAX_CONCURRENT_IMPORTS, rt.logger);
  const grants = await rt.bus.subscribe({
    group: 'naver-fetcher-grants',
    topics: [topics.leases],
    failure: {
      ...rt.failurePolicy({ consumer: 'naver-fetcher-grants' }),
      giveUp: async (event, why) => {
        if (event.type !== 'LockGranted') return;
        await abandonGrant({ pool: rt.pool, clock: work.clock, service: SERVICE, nudge: rt.relay.nudge }, event, why);
      },
    },
    handle: async (event) => {
      if (event.type === 'LockGranted') await runner.start(() => acceptGrant(work, event));
    },
  });
  const url = await rt.listen();
  return {
    url,
    async close() {
      // Lose the running leases first (their imports fail as retryable and the leases go to the next waiters), so a
      // grant handler waiting for a free slot cannot hold up the subscribers' stop; then once more for late starts.
      await runner.stop();
      await Promise.all([requests.stop(), grants.stop()]);
      await runner.stop();
      await rt.close();
    },
  };
}
