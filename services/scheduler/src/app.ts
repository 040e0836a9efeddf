import { allTopics } from '@reportline/contracts';
import {
  type Bus,
  type Clock,
  createServiceRuntime,
  type Logger,
  postgresSecretStore,
  type Running,
  systemClock,
} from '@reportline/platform';
import type { SchedulerConfig } from './config.ts';
import { PROJECTION, project } from './projection.ts';
import { SERVICE } from './request-import.ts';
import { connectionRoutes } from './routes/connections.ts';
import { importRoutes } from './routes/imports.ts';
import { startStallSweep } from './stall-sweep.ts';

export interface SchedulerDeps {
  bus?: Bus;
  clock?: Clock;
  logger?: Logger;
}

export async function startScheduler(
  config: SchedulerConfig,
  deps: SchedulerDeps = {},
): Promise<Running & { url: string }> {
  const clock = deps.clock ?? systemClock;
  const rt = await createServiceRuntime({
    service: SERVICE,
    config,
    bus: deps.bus,
    logger: deps.logger,
    clock,
    openapi: { title: 'Reportline scheduler API', description: 'Connections, imports and their progress.' },
  });
  connectionRoutes(rt.http, { pool: rt.pool, secrets: (db) => postgresSecretStore(db, config.SECRETS_KEY) });
  importRoutes(rt.http, { pool: rt.pool, clock, relay: rt.relay });

  const subscriber = await rt.bus.subscribe({
    group: PROJECTION,
    topics: allTopics,
    // A view that cannot take an event is dead-lettered, never the import failed: the stall sweep bounds the import.
    failure: rt.failurePolicy({ consumer: PROJECTION }),
    handle: (event) => project(rt.pool, event),
  });
  const stopStallSweep = startStallSweep({
    pool: rt.pool,
    clock,
    relay: rt.relay,
    logger: rt.logger,
    bounds: {
      queueAckMs: config.IMPORT_QUEUE_ACK_MS,
      stallMs: config.IMPORT_STALL_MS,
      maxLifetimeMs: config.IMPORT_MAX_LIFETIME_MS,
    },
    everyMs: config.IMPORT_SWEEP_MS,
  });
  const url = await rt.listen();
  return {
    url,
    async close() {
      await stopStallSweep();
      await subscriber.stop();
      await rt.close();
    },
  };
}
