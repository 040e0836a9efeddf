import { fromWire, type ReportlineEvent, type TopicManifest } from '@reportline/contracts';
import type { EachBatchPayload, KafkaMessage } from 'kafkajs';
import { DEFAULT_MAX_BATCH_SIZE, runBatch } from './batch-delivery.ts';
import type { BatchSubscription, BusLogger } from './bus.ts';
import { type FailedMessage, type FailureTracker, RetryLater, settleFailure } from './failure-policy.ts';
import { type DeadLetterMeta, headersToRecord } from './kafka-messages.ts';

type At = { topic: string; partition: number; offset: string };

/** What the batch runner needs from the subscriber that owns the consumer. */
export interface KafkaBatchDeps {
  subscription: BatchSubscription;
  group: string;
  logger: BusLogger;
  manifestOf(topic: string): TopicManifest;
  isStopping(): boolean;
  pause(topic: string, partition: number): void;
  /** Settles once the service has seen the latest assignment. */
  assigned(): Promise<void>;
  track(
    at: { topic: string; partition: number; heartbeat: () => Promise<void> },
    work: (signal: AbortSignal) => Promise<void>,
  ): Promise<void>;
  commitAfter(topic: string, partition: number, offset: string): Promise<void>;
  tracker: FailureTracker;
  failedMessage(
    at: At,
    err: unknown,
    signal: AbortSignal,
    event: ReportlineEvent | undefined,
    original: KafkaMessage,
  ): FailedMessage;
  retryLater(at: At, delayMs: number, err: unknown, event?: ReportlineEvent): void;
  deadLetter(manifest: TopicManifest, letter: DeadLetterMeta, original: KafkaMessage): Promise<void>;
  /** The failure policy's hook for an undecodable message, before it is dead-lettered. */
  undecodable(
    headers: Record<string, string | undefined>,
    value: string | undefined,
    reason: string,
    where: object,
  ): Promise<void>;
}

/**
 * kafkajs `eachBatch` for a `handleBatch` subscription: the fetched messages of one partition in chunks of
 * `maxBatchSize`, each through `runBatch`. Offsets are committed (and resolved, so kafkajs fetches on from there) by
 * hand after each step; a failure seeks back to the first message not committed and pauses the partition for the
 * backoff, exactly like a failed message in `eachMessage` mode.
 */
export function kafkaEachBatch(deps: KafkaBatchDeps) {
  const { subscription: sub, logger } = deps;
  const max = sub.maxBatchSize ?? DEFAULT_MAX_BATCH_SIZE;

  return async function eachBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, resolveOffset, isRunning, isStale } = payload;
    const { topic, partition } = batch;
    const manifest = deps.manifestOf(topic);
    const heartbeat = () => payload.heartbeat();
    for (let start = 0; start < batch.messages.length; start += max) {
      if (!isRunning() || isStale()) return;
      if (deps.isStopping()) {
        // Not handled, so not committed: the next member of the group starts from here.
        deps.pause(topic, partition);
        return;
      }
      const chunk = batch.messages.slice(start, start + max);
      let next = 0; // index in `chunk` of the first message not committed yet
      let done = false;
      await deps.track({ topic, partition, heartbeat }, async (signal) => {
        try {
          done = await runBatch({
            messages: chunk.map((m) => {
              const headers = headersToRecord(m.headers);
              return { offset: m.offset, headers, parsed: fromWire(headers, m.value?.toString()) };
            }),
            handle: async (messages) => {
              await deps.assigned();
              await sub.handleBatch(messages);
            },
            context: (offset) => ({ topic, partition, offset, heartbeat, signal }),
            deadLetter: async (index, reason) => {
              const where = { topic, partition, offset: chunk[index]!.offset, group: sub.group };
              logger.warn({ ...where, reason }, 'undecodable message; dead-lettering it');
              const m = chunk[index]!;
              await deps.undecodable(headersToRecord(m.headers), m.value?.toString(), reason, where);
              await deps.deadLetter(manifest, { ...where, reason }, m);
            },
            failed: async (index, event, err) => {
              const at = { topic, partition, offset: chunk[index]!.offset };
              const retry = await settleFailure(deps.failedMessage(at, err, signal, event, chunk[index]!));
              if (retry) throw new RetryLater(retry.retryInMs, err);
            },
            retryWhole: (err) => ['unavailable', 'interrupted'].includes(deps.tracker.classify(err, signal)),
            commit: async (offset) => {
              await deps.commitAfter(topic, partition, offset);
              resolveOffset(offset);
              next = chunk.findIndex((m) => m.offset === offset) + 1;
              deps.tracker.done(`${topic}:${partition}`);
            },
            stopped: () => signal.aborted || deps.isStopping(),
          });
        } catch (err) {
          const failed = chunk[next]!;
          const parsed = fromWire(headersToRecord(failed.headers), failed.value?.toString());
          const at = { topic, partition, offset: failed.offset };
          // A whole batch failed (a dependency is down, or a commit or dead letter did not reach the broker): wait as
          // the policy says for that message; a give-up is impossible here, as no single message was blamed.
          const event = parsed.ok ? parsed.event : undefined;
          if (err instanceof RetryLater) deps.retryLater(at, err.delayMs, err.failure, event);
          else deps.retryLater(at, deps.tracker.waitAfter(`${topic}:${partition}`, at.offset, err, signal), err, event);
        }
      });
      if (!done) {
        if (deps.isStopping()) deps.pause(topic, partition);
        return;
      }
      await heartbeat();
    }
  };
}
