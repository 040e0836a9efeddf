import { fromWire, type ReportlineEvent, type TopicManifest } from '@reportline/contracts';
import type { ConsumerCrashEvent, ConsumerGroupJoinEvent, EachMessagePayload, Kafka, KafkaMessage } from 'kafkajs';
import { consumeSpan } from '../tracing.ts';
import type { BusLogger, MessageSubscription, Subscriber, Subscription } from './bus.ts';
import { eventLogFields } from './event-wire.ts';
import {
  beforeUndecodableDeadLetter,
  type FailurePolicy,
  failureTracker,
  settleFailure,
  withDefaults,
} from './failure-policy.ts';
import { type KafkaBatchDeps, kafkaEachBatch } from './kafka-batch.ts';
import { type DeadLetterMeta, headersToRecord } from './kafka-messages.ts';

/** kafkajs' retry settings for broker requests. */
export interface BrokerRetry {
  retries: number;
  initialRetryTime: number;
  maxRetryTime: number;
}

export interface KafkaSubscriberDeps {
  kafka: Kafka;
  subscription: Subscription;
  topicPrefix: string;
  logger: BusLogger;
  sessionTimeoutMs: number;
  heartbeatIntervalMs: number;
  brokerRetry: BrokerRetry;
  /** The bus's failure policy; the subscription's own `failure` overrides it field by field. */
  failureDefaults: FailurePolicy;
  /** Handlers of one subscription running at once, across its partitions (each partition stays in order). */
  maxConcurrency: number;
  /** Writes the message to the dead-letter topic of `manifest`; rejects if the broker did not take it. */
  deadLetter(manifest: TopicManifest, letter: DeadLetterMeta, original: KafkaMessage): Promise<void>;
}

const BROKER_RETRY_MS = 1_000;
const REBALANCING = new Set(['REBALANCE_IN_PROGRESS', 'NOT_COORDINATOR_FOR_GROUP', 'ILLEGAL_GENERATION']);
const isRebalancing = (err: unknown) => REBALANCING.has((err as { type?: string } | null)?.type ?? '');

/**
 * One kafkajs consumer for one subscription. Offsets are committed by hand after the handler resolves. A failed
 * message pauses only its partition and is fetched again after a backoff (seek), so other partitions keep flowing
 * and nothing is skipped.
 */
export async function startKafkaSubscriber(deps: KafkaSubscriberDeps): Promise<Subscriber> {
  const { subscription: sub, logger, topicPrefix } = deps;
  const manifests = new Map(sub.topics.map((m) => [topicPrefix + m.name, m]));
  // The topic prefix namespaces consumer groups too: two deployments (or test runs) sharing a broker must never share
  // a group, or its rebalances would hand one's partitions to the other's members.
  const group = topicPrefix + sub.group;

  const consumer = deps.kafka.consumer({
    groupId: group,
    sessionTimeout: deps.sessionTimeoutMs,
    heartbeatInterval: deps.heartbeatIntervalMs,
    // The runner heartbeats between fetches; an idle long-poll longer than the interval would delay rebalances.
    maxWaitTimeInMs: Math.min(deps.heartbeatIntervalMs, 5_000),
    allowAutoTopicCreation: false,
    retry: {
      ...deps.brokerRetry,
      restartOnFailure: async (err) => {
        logger.warn({ err, group }, 'kafka consumer failed with a retriable error; restarting it');
        return true;
      },
    },
  });

  let stopping = false;
  const inFlight = new Set<Promise<void>>();
  const controllers = new Set<AbortController>();
  const resumeTimers = new Set<NodeJS.Timeout>();
  const policy = withDefaults(sub.failure, deps.failureDefaults);
  const tracker = failureTracker(policy);
  /** The policy's hook for a message about to be dead-lettered undecoded (throws when it must be tried again). */
  const undecodable = (
    headers: Record<string, string | undefined>,
    value: string | undefined,
    reason: string,
    where: object,
  ) =>
    beforeUndecodableDeadLetter(policy, { headers, value }, reason, (err) =>
      logger.warn({ ...where, err }, 'the undecodable-message hook failed; dead-lettering the message anyway'),
    );
  const joined = Promise.withResolvers<void>();
  joined.promise.catch(() => {}); // awaited below; this only keeps an early crash from counting as unhandled
  let hasJoined = false;
  // Settles once the service has seen the latest assignment; handlers wait for it (see Subscription.onAssigned).
  let assigned: Promise<void> = Promise.resolve();

  const removeListeners = [
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }: ConsumerGroupJoinEvent) => {
      hasJoined = true;
      logger.info({ group, memberId: payload.memberId, assignment: payload.memberAssignment }, 'joined consumer group');
      const assignment = payload.memberAssignment;
      assigned = assigned
        .then(() => sub.onAssigned?.(assignment))
        .catch((err) => logger.error({ err, group }, 'onAssigned failed; handlers continue on the previous claim'));
      joined.resolve();
    }),
    consumer.on(consumer.events.CRASH, ({ payload }: ConsumerCrashEvent) => {
      const msg = payload.restart ? 'kafka consumer crashed; restarting' : 'kafka consumer crashed and stopped';
      logger.error({ err: payload.error, group, restart: payload.restart }, msg);
      if (!payload.restart && !hasJoined) joined.reject(payload.error);
    }),
    // kafkajs rebalances eagerly: every partition is revoked, so every running handler is told to wind down.
    consumer.on(consumer.events.REBALANCING, () => {
      for (const c of controllers) c.abort(new Error(`consumer group ${group} is rebalancing`));
    }),
  ];

  const manifestOf = (topic: string) => {
    const manifest = manifests.get(topic);
    if (!manifest) throw new Error(`received a message from ${topic}, which subscription ${group} does not cover`);
    return manifest;
  };

  const commitAfter = (topic: string, partition: number, offset: string) =>
    consumer.commitOffsets([{ topic, partition, offset: (BigInt(offset) + 1n).toString() }]);

  /** Decodes (dead-lettering what does not decode) and handles one message; throws what the handler threw. */
  async function process(
    handle: MessageSubscription['handle'],
    payload: EachMessagePayload,
    manifest: TopicManifest,
    signal: AbortSignal,
    seen: { event?: ReportlineEvent },
  ) {
    const { topic, partition, message } = payload;
    const where = { topic, partition, offset: message.offset, group: sub.group };
    const headers = headersToRecord(message.headers);
    const parsed = fromWire(headers, message.value?.toString());
    if (!parsed.ok) {
      logger.warn({ ...where, reason: parsed.reason }, 'undecodable message; dead-lettering it');
      await undecodable(headers, message.value?.toString(), parsed.reason, where);
      return deps.deadLetter(manifest, { ...where, reason: parsed.reason }, message);
    }
    const event = parsed.event;
    seen.event = event;
    await assigned;
    const context = { topic, partition, offset: message.offset, heartbeat: payload.heartbeat, signal };
    await consumeSpan(topic, headers, event.id, () => handle(event, context));
  }

  /** Leaves the message uncommitted and asks kafkajs to fetch it again once `delayMs` has passed. */
  function retryLater(
    at: { topic: string; partition: number; offset: string },
    delayMs: number,
    err: unknown,
    event?: ReportlineEvent,
  ) {
    const { topic, partition, offset } = at;
    const fields = { err, group, topic, partition, offset, ...(event && eventLogFields(event)) };
    logger.warn({ ...fields, retryInMs: delayMs }, 'message handling failed; will retry it');
    consumer.pause([{ topic, partitions: [partition] }]);
    consumer.seek({ topic, partition, offset });
    if (stopping) return;
    const timer = setTimeout(() => {
      resumeTimers.delete(timer);
      if (!stopping) consumer.resume([{ topic, partitions: [partition] }]);
    }, delayMs);
    resumeTimers.add(timer);
  }

  /** What the failure policy needs to settle a failed message of this consumer. */
  const failedMessage = (
    at: { topic: string; partition: number; offset: string },
    err: unknown,
    signal: AbortSignal,
    event: ReportlineEvent | undefined,
    original: KafkaMessage,
  ) => {
    const where = { ...at, group: sub.group };
    return {
      policy,
      tracker,
      key: `${at.topic}:${at.partition}`,
      offset: at.offset,
      err,
      signal,
      event,
      deadLetter: (reason: string) => deps.deadLetter(manifestOf(at.topic), { ...where, reason }, original),
      log: (obj: object, msg: string) => logger.warn({ ...obj, ...where, ...(event && eventLogFields(event)) }, msg),
    };
  };

  /**
   * Runs `work` as an in-flight handler of one partition: stop() waits for it, a rebalance or stop aborts its signal,
   * and the group membership is kept alive meanwhile (kafkajs only heartbeats between messages).
   */
  async function track(
    at: { topic: string; partition: number; heartbeat: () => Promise<void> },
    work: (signal: AbortSignal) => Promise<void>,
  ): Promise<void> {
    const controller = new AbortController();
    controllers.add(controller);
    const keepAlive = setInterval(() => {
      at.heartbeat().catch((err) => {
        if (isRebalancing(err)) controller.abort(new Error(`partition ${at.topic}:${at.partition} is being revoked`));
      });
    }, deps.heartbeatIntervalMs);
    const run = (async () => {
      try {
        await work(controller.signal);
      } finally {
        clearInterval(keepAlive);
        controllers.delete(controller);
      }
    })();
    inFlight.add(run);
    try {
      await run;
    } finally {
      inFlight.delete(run);
    }
  }

  async function eachMessage(handle: MessageSubscription['handle'], payload: EachMessagePayload): Promise<void> {
    const { topic, partition, message } = payload;
    if (stopping) {
      // Not handled, so not committed: the next member of the group starts from this message.
      consumer.pause([{ topic, partitions: [partition] }]);
      return;
    }
    const manifest = manifestOf(topic);
    await track(payload, async (signal) => {
      const seen: { event?: ReportlineEvent } = {};
      const at = { topic, partition, offset: message.offset };
      try {
        try {
          await process(handle, payload, manifest, signal, seen);
          tracker.done(`${topic}:${partition}`);
        } catch (err) {
          const retry = await settleFailure(failedMessage(at, err, signal, seen.event, message));
          if (retry) return retryLater(at, retry.retryInMs, err, seen.event);
        }
        await commitAfter(topic, partition, message.offset);
      } catch (err) {
        // Dead-lettering or committing failed, after kafkajs' own retries: the broker is what is down. The handler is
        // idempotent, so handling the message again once the broker is back is safe.
        retryLater(at, BROKER_RETRY_MS, err, seen.event);
      }
    });
  }

  // What a batch subscription's eachBatch needs from this consumer (see kafka-batch.ts).
  const batchDeps: Omit<KafkaBatchDeps, 'subscription'> = {
    group,
    logger,
    manifestOf,
    isStopping: () => stopping,
    pause: (topic, partition) => consumer.pause([{ topic, partitions: [partition] }]),
    assigned: () => assigned,
    track,
    commitAfter,
    tracker,
    failedMessage,
    retryLater,
    deadLetter: deps.deadLetter,
    undecodable,
  };

  const topics = [...manifests.keys()];
  const partitions = sub.topics.reduce((n, m) => n + m.partitions, 0);
  try {
    await consumer.connect();
    await consumer.subscribe({ topics, fromBeginning: sub.fromBeginning ?? true });
    const handler = sub.handleBatch
      ? { eachBatch: kafkaEachBatch({ ...batchDeps, subscription: sub }), eachBatchAutoResolve: false }
      : { eachMessage: (payload: EachMessagePayload) => eachMessage(sub.handle, payload) };
    await consumer.run({
      autoCommit: false,
      partitionsConsumedConcurrently: Math.min(partitions, deps.maxConcurrency),
      ...handler,
    });
    await joined.promise;
  } catch (err) {
    for (const remove of removeListeners) remove();
    await consumer.disconnect().catch(() => {});
    throw err;
  }

  let stopped: Promise<void> | undefined;
  return {
    stop() {
      stopped ??= (async () => {
        stopping = true;
        for (const timer of resumeTimers) clearTimeout(timer);
        resumeTimers.clear();
        for (const c of controllers) c.abort(new Error(`subscriber ${group} is stopping`));
        // Handlers finish and commit while the consumer is still running: kafkajs drops commits once it stops.
        await Promise.allSettled([...inFlight]);
        await consumer.disconnect();
        for (const remove of removeListeners) remove();
        logger.info({ group, topics }, 'subscriber stopped');
      })();
      return stopped;
    },
  };
}
