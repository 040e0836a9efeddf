import { fromWire } from '@reportline/contracts';
import { type Backoff, backoffDelay, sleep } from './backoff.ts';
import { DEFAULT_MAX_BATCH_SIZE, runBatch } from './batch-delivery.ts';
import { type MessageContext, PoisonMessageError, type RawMessage, type Subscription } from './bus.ts';
import type { TopicPartition } from './in-memory-log.ts';

/** One partition as one member of a group works it in the in-memory bus. */
export interface PartitionWork {
  subscription: Subscription;
  tp: TopicPartition;
  /** The partition's log (it grows while the worker runs). */
  log: readonly RawMessage[];
  backoff: Backoff;
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

/** The message at the committed offset through decode → handler → dead letter, retried until done or stopped. */
export async function deliverOne(w: PartitionWork): Promise<void> {
  const offset = w.committed();
  const message = w.log[offset]!;
  for (let failures = 0; ; ) {
    if (w.signal.aborted) return;
    const parsed = fromWire(message.headers, message.value ?? undefined);
    if (!parsed.ok) {
      w.deadLetter(offset, parsed.reason);
      return w.commit(offset + 1);
    }
    try {
      await w.subscription.handle!(parsed.event, contextOf(w, String(offset)));
      return w.commit(offset + 1);
    } catch (err) {
      if (err instanceof PoisonMessageError) {
        w.deadLetter(offset, err.message);
        return w.commit(offset + 1);
      }
      failures += 1;
      await sleep(backoffDelay(failures, w.backoff), w.signal);
    }
  }
}

/** Up to maxBatchSize messages from the committed offset through `runBatch`, retried until done or stopped. */
export async function deliverBatch(w: PartitionWork): Promise<void> {
  const max = w.subscription.maxBatchSize ?? DEFAULT_MAX_BATCH_SIZE;
  for (let failures = 0; ; ) {
    if (w.signal.aborted) return;
    const from = w.committed();
    try {
      await runBatch({
        messages: w.log.slice(from, from + max).map((m, i) => ({
          offset: String(from + i),
          parsed: fromWire(m.headers, m.value ?? undefined),
        })),
        handle: w.subscription.handleBatch!,
        context: (offset) => contextOf(w, offset),
        deadLetter: async (index, reason) => w.deadLetter(from + index, reason),
        commit: async (offset) => w.commit(Number(offset) + 1),
        stopped: () => w.signal.aborted,
      });
      return;
    } catch {
      failures += 1;
      await sleep(backoffDelay(failures, w.backoff), w.signal);
    }
  }
}
