import { allTopics } from '@reportline/contracts';
import {
  type BuiltService,
  type Bus,
  type Clock,
  createServiceRuntime,
  type Logger,
  postgresSecretStore,
  type Running,
  systemClock,
} from '@reportline/platform';
import type { SchedulerConfig } from './config.ts';
import { importOutcomes } from './import-metrics.ts';
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

/** The scheduler wired, not started: its HTTP app (for `inject`) and `start` (relay, projection, sweep, listen). */
export async function buildScheduler(config: SchedulerConfig, deps: SchedulerDeps = {}): Promise<BuiltService> {
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
  const outcomes = importOutcomes(rt.metrics);
  return rt.assemble({
    subscriptions: [
      {
        group: PROJECTION,
        topics: allTopics,
        // A view that cannot take an event is dead-lettered, never the import failed: the stall sweep bounds the import.
        failure: rt.failurePolicy({ consumer: PROJECTION }),
        handle: async (event) => {
          if (await project(rt.pool, event)) outcomes.count(event);
        },
      },
    ],
    loops: [
      () =>
        startStallSweep({
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
        }),
    ],
  });
}

export async function startScheduler(
  config: SchedulerConfig,
  deps: SchedulerDeps = {},
): Promise<Running & { url: string }> {
  return (await buildScheduler(config, deps)).start();
}
