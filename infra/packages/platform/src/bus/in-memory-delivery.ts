import { fromWire, type ReportlineEvent } from '@reportline/contracts';
import { sleep } from '../timers.ts';
import { consumeSpan } from '../tracing.ts';
import { DEFAULT_MAX_BATCH_SIZE, runBatch } from './batch-delivery.ts';
import type { BatchSubscription, MessageContext, MessageSubscription, RawMessage } from './bus.ts';
import {
  beforeUndecodableDeadLetter,
  type FailurePolicy,
  type FailureTracker,
  RetryLater,
  settleFailure,
} from './failure-policy.ts';
import type { TopicPartition } from './in-memory-log.ts';

/** One partition as one member of a group works it in the in-memory bus. */
export interface PartitionWork {
  tp: TopicPartition;
  /** The partition's log (it grows while the worker runs). */
  log: readonly RawMessage[];
  policy: FailurePolicy;
  tracker: FailureTracker;
  /** Aborted when the member stops or the partition is revoked. */
  signal: AbortSignal;
  committed(): number;
  /** Records `next` as the group's committed offset (the next message to deliver). */
  commit(next: number): void;
  deadLetter(offset: number, reason: string): void;
}

const contextOf = (w: PartitionWork, offset: string): MessageContext => ({
  topic: w.tp.topic,
  partition: w.tp.partition,
  offset,
  heartbeat: async () => {},
  signal: w.signal,
});

const keyOf = (w: PartitionWork) => `${w.tp.topic}:${w.tp.partition}`;

const failedAt = (w: PartitionWork, offset: number, err: unknown, event: ReportlineEvent | undefined) =>
  settleFailure({
    policy: w.policy,
    tracker: w.tracker,
    key: keyOf(w),
    offset: String(offset),
    err,
    signal: w.signal,
    event,
    deadLetter: async (reason) => w.deadLetter(offset, reason),
    log: () => {},
  });

const UNDECODABLE_RETRY_MS = 100;

/** The policy's hook for an undecodable message at `offset`, before it is dead-lettered. */
const undecodable = (w: PartitionWork, offset: number, reason: string) => {
  const m = w.log[offset]!;
  return beforeUndecodableDeadLetter(w.policy, { headers: m.headers, value: m.value ?? undefined }, reason, () => {});
};

/** The message at the committed offset through decode → handler → failure policy, until done or stopped. */
export async function deliverOne(w: PartitionWork, sub: MessageSubscription): Promise<void> {
  const offset = w.committed();
  const message = w.log[offset]!;
  for (;;) {
    if (w.signal.aborted) return;
    const parsed = fromWire(message.headers, message.value ?? undefined);
    if (!parsed.ok) {
      try {
        await undecodable(w, offset, parsed.reason);
      } catch {
        await sleep(UNDECODABLE_RETRY_MS, w.signal); // a dependency of the hook is down: try the message again
        continue;
      }
      w.deadLetter(offset, parsed.reason);
      return w.commit(offset + 1);
    }
    try {
      const event = parsed.event;
      await consumeSpan(w.tp.topic, message.headers, event.id, () => sub.handle(event, contextOf(w, String(offset))));
      w.tracker.done(keyOf(w));
      return w.commit(offset + 1);
    } catch (err) {
      const retry = await failedAt(w, offset, err, parsed.event);
      if (!retry) return w.commit(offset + 1);
      await sleep(retry.retryInMs, w.signal);
    }
  }
}

/** Up to maxBatchSize messages from the committed offset through `runBatch`, until done or stopped. */
export async function deliverBatch(w: PartitionWork, sub: BatchSubscription): Promise<void> {
  const max = sub.maxBatchSize ?? DEFAULT_MAX_BATCH_SIZE;
  for (;;) {
    if (w.signal.aborted) return;
    const from = w.committed();
    try {
      await runBatch({
        messages: w.log.slice(from, from + max).map((m, i) => ({
          offset: String(from + i),
          headers: m.headers,
          parsed: fromWire(m.headers, m.value ?? undefined),
        })),
        handle: sub.handleBatch,
        context: (offset) => contextOf(w, offset),
        deadLetter: async (index, reason) => {
          await undecodable(w, from + index, reason);
          w.deadLetter(from + index, reason);
        },
        failed: async (index, event, err) => {
          const retry = await failedAt(w, from + index, err, event);
          if (retry) throw new RetryLater(retry.retryInMs, err);
        },
        retryWhole: (err) => ['unavailable', 'interrupted'].includes(w.tracker.classify(err, w.signal)),
        commit: async (offset) => {
          w.tracker.done(keyOf(w));
          w.commit(Number(offset) + 1);
        },
        stopped: () => w.signal.aborted,
      });
      return;
    } catch (err) {
      const delay =
        err instanceof RetryLater ? err.delayMs : w.tracker.waitAfter(keyOf(w), String(w.committed()), err, w.signal);
      await sleep(delay, w.signal);
    }
  }
}
