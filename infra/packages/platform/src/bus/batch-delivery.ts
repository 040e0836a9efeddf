import type { fromWire, ReportlineEvent } from '@reportline/contracts';
import { consumeBatchSpan } from '../tracing.ts';
import type { BatchMessage, MessageContext } from './bus.ts';

export const DEFAULT_MAX_BATCH_SIZE = 200;

export interface DecodedMessage {
  offset: string;
  /** The message's headers, for the trace context its producer sent. */
  headers: Readonly<Record<string, string | undefined>>;
  parsed: ReturnType<typeof fromWire>;
}

export interface BatchRun {
  /** Consecutive messages of one partition, in offset order. */
  messages: readonly DecodedMessage[];
  /** The subscription's batch handler (wrapped by the bus as it needs, e.g. to wait for onAssigned). */
  handle: (messages: BatchMessage[]) => Promise<void>;
  context: (offset: string) => MessageContext;
  /** Writes `messages[index]` (one that did not decode) to the dead-letter topic; rejects if that failed. */
  deadLetter: (index: number, reason: string) => Promise<void>;
  /**
   * `messages[index]`, handled alone, failed: resolves once the consumer gave up on it (dead-lettered; the run
   * commits past it), or rejects (usually with `RetryLater`) to end the run and retry from that message.
   */
  failed: (index: number, event: ReportlineEvent, err: unknown) => Promise<void>;
  /** True when a batch failing with `err` must be retried whole (a dependency is down) instead of split. */
  retryWhole: (err: unknown) => boolean;
  /** Commits every offset up to and including `offset`. */
  commit: (offset: string) => Promise<void>;
  /** Checked between steps: true once the subscriber is stopping or the partition was revoked. */
  stopped: () => boolean;
}

/**
 * Delivers fetched messages in batches, in offset order: a run of decodable messages goes to the handler as one
 * batch and is committed after it; an undecodable message ends the run and is dead-lettered (and committed) in its
 * place. A batch of several that fails for any reason but an unavailable dependency is split into batches of one, so
 * only the failing message is retried and, in the end, given up on alone. Throws the first failure to retry:
 * everything before it is committed, nothing after it ran. Resolves true when all messages are done, false when told
 * to stop first.
 */
export async function runBatch(run: BatchRun): Promise<boolean> {
  type Item = { index: number; message: BatchMessage; headers: DecodedMessage['headers'] };
  /** Resolves false when told to stop part way through a split batch. */
  const deliver = async (items: readonly Item[]): Promise<boolean> => {
    try {
      const topic = items[0]!.message.context.topic;
      await consumeBatchSpan(
        topic,
        items.map((i) => i.headers),
        () => run.handle(items.map((i) => i.message)),
      );
    } catch (err) {
      if (items.length > 1) {
        if (run.retryWhole(err)) throw err;
        for (const item of items) {
          if (run.stopped() || !(await deliver([item]))) return false;
        }
        return true;
      }
      await run.failed(items[0]!.index, items[0]!.message.event, err);
    }
    await run.commit(items.at(-1)!.message.context.offset);
    return true;
  };

  let pending: Item[] = [];
  const flush = async () => {
    const items = pending;
    pending = [];
    return items.length === 0 || (!run.stopped() && (await deliver(items)));
  };
  for (const [index, m] of run.messages.entries()) {
    if (m.parsed.ok) {
      pending.push({ index, headers: m.headers, message: { event: m.parsed.event, context: run.context(m.offset) } });
      continue;
    }
    if (!(await flush()) || run.stopped()) return false;
    await run.deadLetter(index, m.parsed.reason);
    await run.commit(m.offset);
  }
  return flush();
}
