import type { ReportlineEvent, TopicManifest } from '@reportline/contracts';
import type { TraceCarrier } from '../tracing.ts';
import type { FailurePolicy } from './failure-policy.ts';

/**
 * One transport interface for every service. Two implementations: `KafkaBus` (production, integration tests) and
 * `InMemoryBus` (unit tests). Both pass the same conformance suite (`test/conformance/suite.ts`).
 */
export interface Bus {
  /** Publishes events to the topic their (type, version) belongs to, keyed per the topic manifest. Resolves once acknowledged by the broker. */
  publish(events: readonly ReportlineEvent[], options?: PublishOptions): Promise<void>;
  /** Starts consuming. Resolves once the subscription is running (consumer joined its group). */
  subscribe(subscription: Subscription): Promise<Subscriber>;
  /** Stops all subscribers (finishing in-flight handlers, committing their offsets) and disconnects. */
  close(): Promise<void>;
}

export interface PublishOptions {
  /**
   * The trace context each event was recorded in (same index as `events`; the outbox keeps it per row), which its
   * producer span continues. Missing entries, or no `traces`, continue the active context.
   */
  traces?: readonly (TraceCarrier | null | undefined)[];
}

/**
 * What a consumer asks for: exactly one of `handle` (a message per call) and `handleBatch` (a partition's run of
 * messages per call). A union, so a subscription with both or neither does not compile.
 */
export type Subscription = MessageSubscription | BatchSubscription;

/** What both kinds of subscription have. */
export interface SubscriptionBase {
  /** Consumer group id; instances with the same group share partitions. */
  group: string;
  topics: readonly TopicManifest[];
  /** How errors of this consumer are classified and when it gives up; the bus's defaults fill what is left out. */
  failure?: FailurePolicy;
  /** Read from the beginning of the topic when the group has no committed offset. Default true. */
  fromBeginning?: boolean;
  /**
   * Called with this member's whole assignment (topic as in `MessageContext.topic` → partitions) after every
   * rebalance. No handler runs for the new assignment before the returned promise settles, so a service can claim
   * ownership (e.g. fence a zombie predecessor in Postgres) first.
   */
  onAssigned?: (assignment: Record<string, number[]>) => Promise<void> | void;
}

export interface MessageSubscription extends SubscriptionBase {
  /**
   * Called once per message, in partition order. The offset is committed only after the promise resolves, so the
   * handler must make its effect durable before resolving (and be idempotent: delivery is at least once).
   * What an error does is decided by `failure` (see failure-policy.ts): a dependency that is down is waited for, a
   * `PoisonMessageError` or `PermanentFailureError` gives up at once, anything else is retried a bounded number of
   * times; giving up runs the policy's `giveUp`, dead-letters the message with the reason and moves on.
   */
  handle: (event: ReportlineEvent, context: MessageContext) => Promise<void>;
  handleBatch?: never;
  maxBatchSize?: never;
}

export interface BatchSubscription extends SubscriptionBase {
  /**
   * Called with consecutive messages of ONE partition in offset order (at most `maxBatchSize`); their offsets are
   * committed only after the promise resolves, so the handler must make the whole batch's effect durable (one
   * transaction) before resolving. Undecodable messages are dead-lettered in their place in the order, never handed
   * over. A dependency that is down retries the whole batch; any other error makes the bus hand the batch's messages
   * over one per call, so only the failing one is retried and, per `failure`, given up on alone while the others are
   * handled (again: delivery is at least once).
   */
  handleBatch: (messages: BatchMessage[]) => Promise<void>;
  /** Most messages per `handleBatch` call. Default 200. */
  maxBatchSize?: number;
  handle?: never;
}

export interface MessageContext {
  topic: string;
  partition: number;
  offset: string;
  /** Keeps the group membership alive during a long handler (kafkajs heartbeat); cheap to call often. */
  heartbeat: () => Promise<void>;
  /** Aborted when the subscriber is stopping or the partition was revoked; long handlers should stop early. */
  signal: AbortSignal;
}

export interface BatchMessage {
  event: ReportlineEvent;
  context: MessageContext;
}

export interface Subscriber {
  stop(): Promise<void>;
}

/** A message that can never be handled (invalid schema, impossible state): dead-lettered with this reason. */
export class PoisonMessageError extends Error {
  override readonly name = 'PoisonMessageError';
}

/** What lands on a dead-letter topic: the original message untouched plus why it was rejected. */
export interface DeadLetter {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  headers: Record<string, string>;
  value: string | null;
  reason: string;
  group: string;
}

/** A message as it sits on a topic, before decoding: what a raw produce writes and a dead letter keeps. */
export interface RawMessage {
  key: string | null;
  headers: Record<string, string>;
  value: string | null;
}

/** The subset of pino the bus logs through; a pino logger fits as is. */
export interface BusLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}
