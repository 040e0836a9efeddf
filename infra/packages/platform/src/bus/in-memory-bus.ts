import type { ReportlineEvent, ServiceName, TopicManifest } from '@reportline/contracts';
import { endProducerSpans } from '../tracing.ts';
import type { Backoff } from './backoff.ts';
import type { Bus, DeadLetter, RawMessage, Subscriber, Subscription } from './bus.ts';
import { encodeTraced } from './event-wire.ts';
import { type FailurePolicy, failureTracker, withDefaults } from './failure-policy.ts';
import { deliverBatch, deliverOne } from './in-memory-delivery.ts';
import {
  type Assignment,
  assignRoundRobin,
  type Member,
  partitionOf,
  type TopicPartition,
  tpKey,
} from './in-memory-log.ts';
import { validateSubscription } from './validate-subscription.ts';

export interface InMemoryBusOptions {
  /** Partitions per topic; defaults to each manifest's count. */
  partitions?: number;
  /** Backoff between attempts of a failing handler; tiny by default so unit tests stay fast. */
  backoff?: Backoff;
  /** The failure policy of every subscription, which each may override field by field. */
  failure?: FailurePolicy;
  /** The service subscribing: each subscription's topics must list it as a consumer. Unset in test code's buses. */
  service?: ServiceName;
}

export interface InMemoryBus extends Bus {
  readonly deadLetters: DeadLetter[];
  readonly published: ReportlineEvent[];
  /** Test hook: appends a message as is, bypassing encoding, to exercise the undecodable-message path. */
  publishRaw(topic: TopicManifest, message: RawMessage): void;
  /** Resolves once every running subscriber has handled (committed) everything on its topics. */
  drain(): Promise<void>;
}

interface Group {
  committed: Map<string, number>;
  members: MemberState[];
  /** Rebalances run one at a time so a partition is never worked by two members. */
  rebalancing: Promise<void>;
}

interface MemberState extends Member {
  subscription: Subscription;
  workers: Map<string, Worker>;
  stopping: boolean;
}

interface Worker {
  stop: AbortController;
  done: Promise<void>;
}

/**
 * Kafka semantics in one process: keyed partitions, consumer groups with round-robin assignment and committed
 * offsets, commit only after the handler resolves, retry without skipping, poison messages to dead letters. Messages
 * go through the CloudEvents wire format so serialization bugs surface in unit tests.
 */
export function createInMemoryBus(opts: InMemoryBusOptions = {}): InMemoryBus {
  const backoff = opts.backoff ?? { initialMs: 1, maxMs: 20 };
  const failureDefaults: FailurePolicy = { backoff, unavailableBackoff: backoff, ...opts.failure };
  const logs = new Map<string, { manifest: TopicManifest; partitions: RawMessage[][] }>();
  const groups = new Map<string, Group>();
  const deadLetters: DeadLetter[] = [];
  const published: ReportlineEvent[] = [];
  let progress = Promise.withResolvers<void>();
  const subscribers = new Set<() => Promise<void>>();
  let nextMemberId = 0;
  let closed = false;

  // Wakes every waiting worker and drain(); cheaper than per-partition wake-ups and fine at test scale.
  const notify = () => {
    progress.resolve();
    progress = Promise.withResolvers<void>();
  };

  const logOf = (manifest: TopicManifest) => {
    let log = logs.get(manifest.name);
    if (!log) {
      const count = opts.partitions ?? manifest.partitions;
      log = { manifest, partitions: Array.from({ length: count }, () => []) };
      logs.set(manifest.name, log);
    }
    return log;
  };

  const append = (manifest: TopicManifest, message: RawMessage) => {
    const log = logOf(manifest);
    log.partitions[partitionOf(message.key, log.partitions.length)]!.push(message);
  };

  const ensureOpen = () => {
    if (closed) throw new Error('the in-memory bus is closed');
  };

  const topicPartitions = (topics: readonly TopicManifest[]): TopicPartition[] =>
    topics.flatMap((m) => logOf(m).partitions.map((_, partition) => ({ topic: m.name, partition })));

  function startWorker(group: Group, member: MemberState, tp: TopicPartition): Worker {
    const stop = new AbortController();
    const key = tpKey(tp);
    const stopped = new Promise((resolve) => stop.signal.addEventListener('abort', resolve, { once: true }));
    const partition = logs.get(tp.topic)!.partitions[tp.partition]!;
    const policy = withDefaults(member.subscription.failure, failureDefaults);
    const sub = member.subscription;
    const work = {
      tp,
      log: partition,
      policy,
      tracker: failureTracker(policy),
      signal: stop.signal,
      committed: () => group.committed.get(key) ?? 0,
      commit: (next: number) => {
        group.committed.set(key, next);
        notify();
      },
      deadLetter: (at: number, reason: string) =>
        deadLetters.push({
          ...tp,
          offset: String(at),
          ...structuredClone(partition[at]!),
          reason,
          group: member.subscription.group,
        }),
    };
    const done = (async () => {
      while (!stop.signal.aborted) {
        const offset = group.committed.get(key) ?? 0;
        if (offset >= partition.length) {
          await Promise.race([progress.promise, stopped]);
          continue;
        }
        await (sub.handleBatch ? deliverBatch(work, sub) : deliverOne(work, sub));
      }
    })();
    return { stop, done };
  }

  /** Stops workers of revoked partitions first, then starts the new owners: a partition never has two workers. */
  function rebalance(groupId: string, group: Group): Promise<void> {
    group.rebalancing = group.rebalancing.then(async () => {
      const active = group.members.filter((m) => !m.stopping);
      const assignment: Assignment = assignRoundRobin(active, (topics) => topicPartitions(topics));
      const revoked: Promise<void>[] = [];
      for (const member of group.members) {
        const keep = assignment.get(member.id) ?? new Map<string, TopicPartition>();
        for (const [key, worker] of member.workers) {
          if (keep.has(key)) continue;
          worker.stop.abort(new Error(`partition ${key} revoked from group ${groupId}`));
          revoked.push(worker.done);
          member.workers.delete(key);
        }
      }
      await Promise.all(revoked);
      for (const member of active) {
        const mine: Record<string, number[]> = {};
        for (const tp of (assignment.get(member.id) ?? new Map<string, TopicPartition>()).values()) {
          mine[tp.topic] = [...(mine[tp.topic] ?? []), tp.partition];
        }
        await member.subscription.onAssigned?.(mine);
      }
      for (const member of active) {
        for (const [key, tp] of assignment.get(member.id) ?? []) {
          if (!member.workers.has(key)) member.workers.set(key, startWorker(group, member, tp));
        }
      }
      notify();
    });
    return group.rebalancing;
  }

  function initialOffsets(group: Group, subscription: Subscription) {
    for (const tp of topicPartitions(subscription.topics)) {
      const key = tpKey(tp);
      if (group.committed.has(key)) continue;
      const end = subscription.fromBeginning === false ? logs.get(tp.topic)!.partitions[tp.partition]!.length : 0;
      group.committed.set(key, end);
    }
  }

  async function subscribe(subscription: Subscription): Promise<Subscriber> {
    ensureOpen();
    validateSubscription(subscription, opts.service);
    let group = groups.get(subscription.group);
    if (!group) {
      group = { committed: new Map(), members: [], rebalancing: Promise.resolve() };
      groups.set(subscription.group, group);
    }
    initialOffsets(group, subscription);
    const member: MemberState = {
      id: `m${nextMemberId++}`,
      topics: subscription.topics,
      subscription,
      workers: new Map(),
      stopping: false,
    };
    group.members.push(member);
    await rebalance(subscription.group, group);
    let stopped: Promise<void> | undefined;
    const g = group;
    const stop = () => {
      stopped ??= (async () => {
        member.stopping = true;
        await rebalance(subscription.group, g);
        g.members = g.members.filter((m) => m !== member);
      })();
      return stopped;
    };
    subscribers.add(stop);
    return { stop: () => stop().finally(() => subscribers.delete(stop)) };
  }

  /** Every group with a running member has committed to the end of every partition its members read. */
  const caughtUp = () =>
    [...groups.values()].every((group) =>
      group.members
        .filter((m) => !m.stopping)
        .every((member) =>
          topicPartitions(member.topics).every(
            (tp) => (group.committed.get(tpKey(tp)) ?? 0) >= logs.get(tp.topic)!.partitions[tp.partition]!.length,
          ),
        ),
    );

  return {
    deadLetters,
    published,
    async publish(events, options) {
      ensureOpen();
      const { outgoing, spans } = encodeTraced(events, options?.traces);
      for (const { topic, message } of outgoing) append(topic, message);
      endProducerSpans(spans);
      published.push(...events);
      notify();
    },
    publishRaw(topic, message) {
      ensureOpen();
      append(topic, structuredClone(message));
      notify();
    },
    subscribe,
    async drain() {
      while (!caughtUp()) await progress.promise;
    },
    async close() {
      closed = true;
      await Promise.all([...subscribers].map((stop) => stop()));
      subscribers.clear();
    },
  };
}
