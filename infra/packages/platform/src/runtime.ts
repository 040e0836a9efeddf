import type { ServiceName } from '@reportline/contracts';
import type { Bus, Subscriber, Subscription } from './bus/bus.ts';
import type { FailurePolicy } from './bus/failure-policy.ts';
import { createKafkaBus } from './bus/kafka-bus.ts';
import { kafkaConsumerLag } from './bus/kafka-lag.ts';
import { type Clock, systemClock } from './clock.ts';
import type { BaseConfig } from './config.ts';
import { buildHttpApp, type HealthCheck, type HttpApp, type OpenApiInfo } from './http.ts';
import { type ConsumerFailureOptions, failImportOnGiveUp } from './import-failure.ts';
import { createLogger, type Logger } from './log.ts';
import { exposeMetrics, type ServiceMetrics } from './metrics.ts';
import { type OutboxRelay, startOutboxRelay } from './pg/outbox.ts';
import { createPool, type Pool } from './pg/pool.ts';
import { runtimeMetrics } from './runtime-metrics.ts';
import type { Running } from './service.ts';
import { setupTracing } from './tracing.ts';

/**
 * The edges every service has: logs, Postgres, the bus, the outbox relay, metrics and an HTTP surface with
 * /health/live, /health/ready (alias /health) and /metrics.
 */
export interface ServiceRuntime {
  service: string;
  logger: Logger;
  pool: Pool;
  bus: Bus;
  relay: OutboxRelay;
  http: HttpApp;
  /** This runtime's own registry (exposed at /metrics): services pass it to their edges to count what they do. */
  metrics: ServiceMetrics;
  /**
   * A consumer's failure policy: its error mapping, the bounded attempts from config, ImportFailed at `stage` when
   * it gives up, and the service reported unready while a dependency is unavailable.
   */
  failurePolicy(opts: Pick<ConsumerFailureOptions, 'consumer' | 'stage' | 'classify'>): FailurePolicy;
  /**
   * The service as built: its HTTP app to test with `inject`, and `start`, which starts the outbox relay, the
   * subscriptions and the loops, then listens. Closing stops them in reverse, then the runtime.
   */
  assemble(parts: ServiceParts): BuiltService;
  /** Starts listening; returns the bound URL. Call after registering routes. */
  listen(): Promise<string>;
  /**
   * Closes in dependency order: HTTP, the relay, then the bus (waiting for in-flight handlers), then Postgres.
   * Outbox rows written while stopping stay in Postgres and are published by the next start.
   */
  close(): Promise<void>;
}

/** What a service consists of besides its routes. */
export interface ServiceParts {
  subscriptions?: Subscription[];
  /** Background loops, started after the subscriptions; each returns its stop function. */
  loops?: (() => () => Promise<void>)[];
  /** Runs first when the service closes (e.g. giving up running leases before the subscribers stop). */
  beforeStop?: () => Promise<void>;
}

/** A service wired but not started: everything a test needs without Kafka or a port. */
export interface BuiltService {
  http: HttpApp;
  start(): Promise<Running & { url: string }>;
}

export interface RuntimeOptions {
  /** Names the logs, the Postgres application, the outbox rows, and whom the bus checks subscriptions for. */
  service: ServiceName;
  config: BaseConfig;
  /** Injected in tests (in-memory bus); otherwise a Kafka bus from the config. */
  bus?: Bus;
  logger?: Logger;
  clock?: Clock;
  health?: Record<string, HealthCheck>;
  openapi?: OpenApiInfo;
}

/**
 * Which consumers are waiting for an unavailable dependency right now. An entry not refreshed for `staleMs` is
 * dropped: its partition may have moved to another instance, which reports for itself.
 */
export function unavailability(clock: Clock, staleMs: number) {
  const waiting = new Map<string, { at: number; reason: string }>();
  return {
    report(key: string, err: unknown) {
      if (err === null) waiting.delete(key);
      else waiting.set(key, { at: clock.monotonicMs(), reason: err instanceof Error ? err.message : String(err) });
    },
    check: async () => {
      const now = clock.monotonicMs();
      for (const [key, w] of waiting) if (now - w.at > staleMs) waiting.delete(key);
      const first = waiting.entries().next().value;
      if (first)
        throw new Error(`${waiting.size} consumer(s) waiting for a dependency, e.g. ${first[0]}: ${first[1].reason}`);
    },
  };
}

export async function createServiceRuntime(opts: RuntimeOptions): Promise<ServiceRuntime> {
  const { service, config } = opts;
  const clock = opts.clock ?? systemClock;
  // Before anything else, so the bus and the HTTP app record spans from the first message or request.
  const tracing = setupTracing(service);
  const logger = opts.logger ?? createLogger(service, config.LOG_LEVEL);
  const pool = createPool(config.DATABASE_URL, {
    applicationName: service,
    max: config.PG_POOL_MAX,
    connectTimeoutMs: config.PG_CONNECT_TIMEOUT_MS,
    statementTimeoutMs: config.PG_STATEMENT_TIMEOUT_MS,
    idleInTransactionTimeoutMs: config.PG_IDLE_IN_TRANSACTION_TIMEOUT_MS,
  });
  const backoff = { initialMs: config.CONSUMER_RETRY_INITIAL_MS, maxMs: config.CONSUMER_RETRY_MAX_MS };
  const bus =
    opts.bus ??
    createKafkaBus({
      brokers: config.KAFKA_BROKERS,
      clientId: service,
      topicPrefix: config.TOPIC_PREFIX,
      logger,
      maxConcurrency: config.KAFKA_CONSUMER_CONCURRENCY,
      service,
    });
  // Started by start(), not here: a built service wires everything but touches nothing until it starts.
  let runningRelay: OutboxRelay | undefined;
  const relay: OutboxRelay = {
    nudge: () => runningRelay?.nudge(),
    stop: async () => {
      await runningRelay?.stop();
    },
  };
  const waiting = unavailability(clock, 2 * 30_000 + config.CONSUMER_RETRY_MAX_MS);
  // Filled by start(): ready needs every subscription to have joined its group; the lag gauge reads their groups.
  const joined: Subscription[] = [];
  let allJoined = false;
  const lag = opts.bus
    ? undefined
    : kafkaConsumerLag({ brokers: config.KAFKA_BROKERS, clientId: service, topicPrefix: config.TOPIC_PREFIX });
  const metrics = runtimeMetrics({ service, pool, logger, lag, subscriptions: () => joined });
  const http = await buildHttpApp({
    service,
    logger,
    openapi: opts.openapi,
    requestTimeoutMs: config.HTTP_REQUEST_TIMEOUT_MS,
    bodyLimitBytes: config.HTTP_BODY_LIMIT_BYTES,
    health: {
      postgres: async () => {
        await pool.query('SELECT 1');
      },
      consumers: waiting.check,
      subscriptions: async () => {
        if (!allJoined)
          throw new Error(`${joined.length} subscription(s) joined; the service has not finished starting`);
      },
      ...opts.health,
    },
  });
  exposeMetrics(http, metrics);
  const listen = () => http.listen({ port: config.PORT, host: config.HOST });
  const close = async () => {
    await http.close();
    await relay.stop();
    await bus.close();
    await lag?.close();
    await pool.end();
    await tracing.shutdown();
  };
  return {
    service,
    logger,
    pool,
    bus,
    relay,
    http,
    metrics,
    failurePolicy: ({ consumer, stage, classify }) => ({
      classify,
      maxAttempts: config.CONSUMER_MAX_ATTEMPTS,
      maxUnavailableMs: config.CONSUMER_MAX_UNAVAILABLE_MS,
      backoff,
      giveUp: failImportOnGiveUp({ pool, service, consumer, stage, clock, nudge: () => relay.nudge(), classify }),
      onUnavailable: waiting.report,
    }),
    listen,
    assemble(parts) {
      return {
        http,
        async start() {
          runningRelay ??= startOutboxRelay({ pool, bus, service, logger });
          const subscribers: Subscriber[] = [];
          const stops: (() => Promise<void>)[] = [];
          const stopAll = async () => {
            await parts.beforeStop?.();
            await Promise.all(subscribers.map((s) => s.stop()));
            for (const stop of stops) await stop();
            await close();
          };
          try {
            for (const subscription of parts.subscriptions ?? []) {
              subscribers.push(await bus.subscribe(subscription));
              joined.push(subscription);
            }
            allJoined = true;
            for (const loop of parts.loops ?? []) stops.push(loop());
            const url = await listen();
            logger.info({ url }, `${service} started`);
            return { url, close: stopAll };
          } catch (err) {
            await stopAll().catch(() => {});
            throw err;
          }
        },
      };
    },
    close,
  };
}
