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
import type { FetcherConfig } from './config.ts';
import { saveRequest } from './store.ts';
import { SERVICE, workUnderLease } from './work.ts';

export interface FetcherDeps {
  bus?: Bus;
  clock?: Clock;
  logger?: Logger;
  fetch?: typeof fetch;
}

export async function startFetcher(config: FetcherConfig, deps: FetcherDeps = {}): Promise<Running & { url: string }> {
  const rt = await createServiceRuntime({ service: SERVICE, config, bus: deps.bus, logger: deps.logger });
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
    lockService: config.LOCK_SERVICE_URL ? lockServiceClient(config.LOCK_SERVICE_URL) : undefined,
  };

  // Two groups, so a grant waiting for its request never blocks the consumption of that request.
  const requests = await rt.bus.subscribe({
    group: 'naver-fetcher-requests',
    topics: [topics.imports],
    handle: async (event) => {
      if (event.type === 'ImportRequested') await saveRequest(rt.pool, event);
    },
  });
  const grants = await rt.bus.subscribe({
    group: 'naver-fetcher-grants',
    topics: [topics.leases],
    handle: async (event, message) => {
      if (event.type === 'LockGranted') await workUnderLease(work, event, message.heartbeat);
    },
  });
  const url = await rt.listen();
  return {
    url,
    async close() {
      await Promise.all([requests.stop(), grants.stop()]);
      await rt.close();
    },
  };
}
