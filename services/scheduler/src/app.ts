import swaggerUi from '@fastify/swagger-ui';
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
import type { RaiseAlert } from './alerts/alert.ts';
import { alertDeliveryOptions, startAlertDelivery } from './alerts/delivery-loop.ts';
import { alertRaiser } from './alerts/raise.ts';
import { authenticate, securitySchemes } from './auth/authenticate.ts';
import { registerBootstrapToken } from './auth/bootstrap.ts';
import type { SchedulerConfig } from './config.ts';
import { connectionLifecycle, type Preflight, SERVICE } from './connection-lifecycle.ts';
import { dashboardRoutes } from './dashboard/routes.ts';
import { importOutcomes } from './import-metrics.ts';
import { PROJECTION, project } from './projection.ts';
import { alertRoutes } from './routes/alerts.ts';
import { connectionRoutes } from './routes/connections.ts';
import { eventRoutes } from './routes/events.ts';
import { importRoutes } from './routes/imports.ts';
import { lockRoutes } from './routes/locks.ts';
import { tenantRoutes } from './routes/tenants.ts';
import { scheduleSettings, startSchedule } from './schedule.ts';
import { httpLockView, httpPreflight, type LockView } from './service-clients.ts';
import { startFeedPrune } from './sse/feed.ts';
import type { SseOptions } from './sse/stream.ts';
import { startStallSweep } from './stall-sweep.ts';

export interface SchedulerDeps {
  bus?: Bus;
  clock?: Clock;
  logger?: Logger;
  /** The sheets-writer's preflight; over HTTP to SHEETS_WRITER_URL unless injected. */
  preflight?: Preflight;
  /** The lock-service's lock view; over HTTP to LOCK_SERVICE_URL unless injected. */
  lockView?: LockView;
  raiseAlert?: RaiseAlert;
  /** The SSE streams' timings and buffer cap (tests shorten them). */
  sse?: Partial<SseOptions>;
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
    openapi: {
      title: 'Reportline scheduler API',
      description:
        'Tenants, connections, imports and their progress. Every route but /health, /metrics and /docs needs ' +
        'authorization: Bearer <API token>.',
      securitySchemes,
    },
  });
  await rt.http.register(swaggerUi, { routePrefix: '/docs' });
  authenticate(rt.http, { pool: rt.pool, clock });
  const raiseAlert: RaiseAlert = deps.raiseAlert ?? alertRaiser({ clock });
  const lifecycle = connectionLifecycle({
    pool: rt.pool,
    clock,
    relay: rt.relay,
    secrets: (db) => postgresSecretStore(db, config.SECRETS_KEY),
    preflight:
      deps.preflight ??
      httpPreflight({
        baseUrl: config.SHEETS_WRITER_URL,
        credential: config.INTERNAL_API_TOKEN,
        timeoutMs: config.PREFLIGHT_TIMEOUT_MS,
      }),
    raiseAlert,
  });
  tenantRoutes(rt.http, { pool: rt.pool, clock });
  connectionRoutes(rt.http, lifecycle);
  importRoutes(rt.http, { pool: rt.pool, clock, relay: rt.relay });
  alertRoutes(rt.http, { pool: rt.pool, clock, secretsKey: config.SECRETS_KEY });
  const lockView = deps.lockView ?? httpLockView({ baseUrl: config.LOCK_SERVICE_URL, timeoutMs: 5_000 });
  lockRoutes(rt.http, { pool: rt.pool, lockView });
  eventRoutes(rt.http, { pool: rt.pool, options: deps.sse });
  dashboardRoutes(rt.http, { pool: rt.pool, lockView });
  const outcomes = importOutcomes(rt.metrics);
  const built = rt.assemble({
    subscriptions: [
      {
        group: PROJECTION,
        topics: allTopics,
        // A view that cannot take an event is dead-lettered, never the import failed: the stall sweep bounds the import.
        failure: rt.failurePolicy({ consumer: PROJECTION }),
        handle: async (event) => {
          if (await project(rt.pool, event, lifecycle)) outcomes.count(event);
        },
      },
    ],
    loops: [
      // A day of feed is kept: a client away longer reloads its state rather than resuming.
      () => startFeedPrune({ pool: rt.pool, logger: rt.logger, keepMs: 86_400_000, everyMs: 3_600_000 }),
      () => startAlertDelivery({ pool: rt.pool, clock, logger: rt.logger, ...alertDeliveryOptions(config) }),
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
      () =>
        startSchedule({
          pool: rt.pool,
          clock,
          relay: rt.relay,
          logger: rt.logger,
          raiseAlert,
          ...scheduleSettings(config),
        }),
    ],
  });
  return {
    http: built.http,
    async start() {
      if (config.BOOTSTRAP_ADMIN_TOKEN) {
        await registerBootstrapToken(rt.pool, config.BOOTSTRAP_ADMIN_TOKEN, config.BOOTSTRAP_TENANT);
      }
      return built.start();
    },
  };
}

export async function startScheduler(
  config: SchedulerConfig,
  deps: SchedulerDeps = {},
): Promise<Running & { url: string }> {
  return (await buildScheduler(config, deps)).start();
}
