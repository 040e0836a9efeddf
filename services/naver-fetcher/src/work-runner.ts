import type { Logger } from '@reportline/platform';
import type { AcceptedWork } from './work.ts';

export interface WorkRunner {
  /** Waits for a free slot (backpressure on the consumer), then starts `work` in the background. */
  start(work: () => Promise<AcceptedWork | undefined>): Promise<void>;
  /** Loses every running lease (each import fails as retryable and releases its lease) and waits for them to end. */
  stop(): Promise<void>;
}

/**
 * Runs accepted leases off the consumer loop, at most `concurrency` at once. A grant's handler returns as soon as its
 * lease is claimed in Postgres (the durable effect), so a long import never delays the grants behind it.
 */
export function workRunner(concurrency: number, logger: Logger): WorkRunner {
  const running = new Set<Promise<void>>();
  const stopping = new AbortController();
  return {
    async start(accept) {
      while (running.size >= concurrency) await Promise.race(running);
      const work = await accept();
      if (!work) return;
      const task: Promise<void> = work
        .run(stopping.signal)
        .catch((err) => logger.error({ err }, 'work under a lease ended with an unexpected error'))
        .finally(() => running.delete(task));
      running.add(task);
    },
    async stop() {
      stopping.abort();
      await Promise.allSettled([...running]);
    },
  };
}
