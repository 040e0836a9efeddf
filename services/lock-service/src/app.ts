import { hostname } from 'node:os';
import { topics } from '@reportline/contracts';
import {
  type BuiltService,
  type Bus,
  type Clock,
  createKafkaBus,
  createLogger,
  createServiceRuntime,
  eventLogContext,
  every,
  type Logger,
  type Running,
  type Subscription,
  systemClock,
} from '@reportline/platform';
import { trackAssignment } from './assignment.ts';
import { type LockServiceConfig, lockPolicy } from './config.ts';
import { type DecisionDeps, decideOnMessages, decideTick, SERVICE } from './decisions.ts';
import { commandFor, endsImportOnGiveUp } from './domain/commands.ts';
import { claimPartitions } from './fencing.ts';
import { observeLeases } from './lease-metrics.ts';
import { lockRoutes } from './routes.ts';
import { dueLocks } from './store.ts';

export interface LockServiceDeps {
  /** Injected in tests (in-memory bus); otherwise a Kafka bus from the config. */
  bus?: Bus;
  clock?: Clock;
  logger?: Logger;
}

const GROUP = 'lock-service';

/** The lock-service wired, not started: its HTTP app and `start` (relay, decisions, lease sweep, listen). */
export async function buildLockService(
  config: LockServiceConfig,
  deps: LockServiceDeps = {},
): Promise<BuiltService & { instanceId: string }> {
  const clock = deps.clock ?? systemClock;
  const logger = deps.logger ?? createLogger(SERVICE, config.LOG_LEVEL);
  const instanceId = `${hostname()}:${process.pid}:${crypto.randomUUID().slice(0, 8)}`;
  // Requests and releases share one topic keyed by customer id: one instance decides for a customer id at a time.
  const subscribed = [topics.imports];
  const homeTopic = config.TOPIC_PREFIX + topics.imports.name;

  const bus =
    deps.bus ??
    createKafkaBus({
      brokers: config.KAFKA_BROKERS,
      clientId: SERVICE,
      topicPrefix: config.TOPIC_PREFIX,
      logger,
      sessionTimeoutMs: config.KAFKA_SESSION_TIMEOUT_MS,
      heartbeatIntervalMs: config.KAFKA_HEARTBEAT_INTERVAL_MS,
      maxConcurrency: config.KAFKA_CONSUMER_CONCURRENCY,
      service: SERVICE,
    });
  const rt = await createServiceRuntime({
    service: SERVICE,
    config,
    bus,
    logger,
    clock,
    openapi: {
      title: 'Reportline lock-service API',
      description: 'NAVER leases per customer id: holder, queue, history, renewals.',
    },
  });
  const decisionDeps: DecisionDeps = {
    pool: rt.pool,
    clock,
    policy: lockPolicy(config),
    instanceId,
  };
  const assignment = trackAssignment(async (assigned) => {
    const claims = Object.entries(assigned).flatMap(([topic, ps]) => ps.map((partition) => ({ topic, partition })));
    await claimPartitions(rt.pool, instanceId, claims);
    logger.info({ instanceId, claims: claims.length }, 'claimed assigned partitions');
  });

  lockRoutes(rt.http, decisionDeps, {
    serviceCredential: config.INTERNAL_API_TOKEN,
    published: () => rt.relay.nudge(),
  });

  const subscription: Subscription = {
    group: GROUP,
    topics: subscribed,
    onAssigned: assignment.assigned,
    failure: (() => {
      const policy = rt.failurePolicy({ consumer: SERVICE, stage: 'queue' });
      const giveUp = policy.giveUp!;
      return {
        ...policy,
        giveUp: async (event, why) => (endsImportOnGiveUp(event) ? giveUp(event, why) : undefined),
      };
    })(),
    // One transaction per batch of a partition's messages (decideOnMessages): the same decisions as one by one.
    handleBatch: async (messages) => {
      const batch = messages.map(({ event, context }) => ({
        message: { ...context, eventId: event.id, customerId: event.customerId },
        command: commandFor(event),
      }));
      const decided = await decideOnMessages(decisionDeps, batch);
      let published = 0;
      for (const [i, { event }] of messages.entries()) {
        published += decided[i]?.published ?? 0;
        observeLeases(rt.metrics, decided[i]);
        rt.logger.debug(
          { ...eventLogContext(event), command: batch[i]!.command?.kind, published: decided[i]?.published },
          'decided',
        );
      }
      if (published > 0) rt.relay.nudge();
    },
  };

  // Expiries and ends of lock-delay are decided by time, not by a message: a sweep ticks the due locks of the
  // partitions this instance owns (fenced again in Postgres, see decideTick).
  const sweep = () => {
    const stopSweep = new AbortController();
    const running = every(
      config.TICK_MS,
      async () => {
        for (const due of await dueLocks(rt.pool, clock.now(), assignment.partitions(homeTopic))) {
          const decided = await decideTick(decisionDeps, due.customerId, due.version, homeTopic);
          observeLeases(rt.metrics, decided);
          if (decided && decided.published > 0) rt.relay.nudge();
        }
      },
      { signal: stopSweep.signal, onError: (err) => rt.logger.error({ err }, 'lease sweep failed; retrying') },
    );
    return async () => {
      stopSweep.abort();
      await running.done;
    };
  };
  return { ...rt.assemble({ subscriptions: [subscription], loops: [sweep] }), instanceId };
}

export async function startLockService(
  config: LockServiceConfig,
  deps: LockServiceDeps = {},
): Promise<Running & { url: string; instanceId: string }> {
  const built = await buildLockService(config, deps);
  return { ...(await built.start()), instanceId: built.instanceId };
}
