import type { ReportlineEvent, ServiceName } from '@reportline/contracts';
import kafkajs, { type logCreator, type Message } from 'kafkajs';
import { endProducerSpans } from '../tracing.ts';
import type { Bus, BusLogger, PublishOptions, Subscriber } from './bus.ts';
import { encodeTraced } from './event-wire.ts';
import type { FailurePolicy } from './failure-policy.ts';
import { deadLetterMessage } from './kafka-messages.ts';
import { resilientProducer } from './kafka-producer.ts';
import { type BrokerRetry, startKafkaSubscriber } from './kafka-subscriber.ts';
import { validateSubscription } from './validate-subscription.ts';

const { Kafka, logLevel } = kafkajs;

export interface KafkaBusOptions {
  brokers: string[];
  clientId: string;
  /** Prepended to every manifest topic name (and dead-letter topic): isolates test runs on a shared broker. */
  topicPrefix?: string;
  logger?: BusLogger;
  /** Broker-enforced minimum is usually 6000. Default 30000. */
  sessionTimeoutMs?: number;
  /** Also bounds the idle fetch wait, so rebalances are noticed within about this long. Default 3000. */
  heartbeatIntervalMs?: number;
  /** The failure policy of every subscription, which each may override field by field (see failure-policy.ts). */
  failure?: FailurePolicy;
  /** Handlers of one subscription running at once across its partitions. Default 4; size the Postgres pool to it. */
  maxConcurrency?: number;
  /**
   * How long kafkajs retries a broker request before the call fails (publish rejects, a consumer crashes and
   * restarts). Default 8 retries from 300 ms up to 10 s apart.
   */
  brokerRetry?: BrokerRetry;
  /** The service subscribing: each subscription's topics must list it as a consumer. Unset in test code's buses. */
  service?: ServiceName;
}

/** Warnings and errors to stderr as JSON lines; services pass their pino logger instead. */
const stderrLogger: BusLogger = {
  debug() {},
  info() {},
  warn: (obj, msg) => console.error(JSON.stringify({ level: 'warn', msg, ...obj })),
  error: (obj, msg) => console.error(JSON.stringify({ level: 'error', msg, ...obj })),
};

/**
 * Routes kafkajs' own log lines (warnings and errors only; it is chatty below that) to the bus logger. kafkajs logs
 * an error for every failed attempt it is about to retry (a moved partition leader, a broker restart); those are
 * warnings here, because the final failure reaches the bus as a rejected call or a crash event, logged as an error.
 */
const kafkaLogs =
  (logger: BusLogger): logCreator =>
  () =>
  ({ namespace, level, log }) => {
    const { message, timestamp: _t, logger: _l, ...extra } = log;
    const obj = { kafkajs: namespace, ...extra };
    const retried = namespace === 'Connection' || 'retryCount' in extra;
    if (level === logLevel.ERROR && !retried) logger.error(obj, message);
    else if (level <= logLevel.WARN) logger.warn(obj, message);
    else logger.debug(obj, message);
  };

export function createKafkaBus(opts: KafkaBusOptions): Bus {
  if (opts.brokers.length === 0) throw new Error('createKafkaBus: brokers must list at least one host:port');
  if (!opts.clientId) throw new Error('createKafkaBus: clientId must be non-empty');
  // The partitioner is chosen explicitly below; the env var only silences kafkajs' v2 migration notice.
  process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
  const logger = opts.logger ?? stderrLogger;
  const prefix = opts.topicPrefix ?? '';
  const heartbeatIntervalMs = opts.heartbeatIntervalMs ?? 3_000;
  const sessionTimeoutMs = opts.sessionTimeoutMs ?? 30_000;
  if (heartbeatIntervalMs >= sessionTimeoutMs) {
    throw new Error(
      `createKafkaBus: heartbeatIntervalMs (${heartbeatIntervalMs}) must be below sessionTimeoutMs (${sessionTimeoutMs})`,
    );
  }
  const brokerRetry = opts.brokerRetry ?? { initialRetryTime: 300, maxRetryTime: 10_000, retries: 8 };
  const kafka = new Kafka({
    clientId: opts.clientId,
    brokers: opts.brokers,
    logLevel: logLevel.WARN,
    logCreator: kafkaLogs(logger),
    // Bounded retries: a broker that stays down fails the call (logged, surfaced) instead of retrying forever.
    retry: brokerRetry,
  });
  const producer = resilientProducer(kafka, logger);
  const subscribers = new Set<Subscriber>();
  let closed = false;
  const ensureOpen = () => {
    if (closed) throw new Error('the Kafka bus is closed');
  };

  async function publish(events: readonly ReportlineEvent[], options?: PublishOptions) {
    ensureOpen();
    if (events.length === 0) return;
    const byTopic = new Map<string, Message[]>();
    const { outgoing, spans } = encodeTraced(events, options?.traces);
    for (const { topic, message } of outgoing) {
      const name = prefix + topic.name;
      const list = byTopic.get(name) ?? [];
      list.push(message);
      byTopic.set(name, list);
    }
    try {
      await producer.sendBatch({
        acks: -1,
        topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
      });
    } catch (err) {
      endProducerSpans(spans, err);
      throw err;
    }
    endProducerSpans(spans);
  }

  return {
    publish,
    async subscribe(subscription) {
      ensureOpen();
      validateSubscription(subscription, opts.service);
      const subscriber = await startKafkaSubscriber({
        kafka,
        subscription,
        topicPrefix: prefix,
        logger,
        sessionTimeoutMs,
        heartbeatIntervalMs,
        brokerRetry,
        failureDefaults: opts.failure ?? {},
        maxConcurrency: opts.maxConcurrency ?? 4,
        async deadLetter(manifest, letter, original) {
          await producer.send({
            topic: prefix + manifest.deadLetterTopic,
            acks: -1,
            messages: [deadLetterMessage(letter, original)],
          });
        },
      });
      const tracked: Subscriber = {
        stop: () => subscriber.stop().finally(() => subscribers.delete(tracked)),
      };
      subscribers.add(tracked);
      return tracked;
    },
    async close() {
      closed = true;
      const results = await Promise.allSettled([...subscribers].map((s) => s.stop()));
      await producer.disconnect();
      const failed = results.find((r) => r.status === 'rejected');
      if (failed) throw failed.reason;
    },
  };
}
