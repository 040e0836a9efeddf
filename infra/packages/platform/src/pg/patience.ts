import { type Backoff, backoffDelay } from '../bus/backoff.ts';
import { classifyCommon } from '../bus/failure-policy.ts';
import { sleep } from '../timers.ts';
import type { Queryable } from './pool.ts';

const defaultPatience: Backoff = { initialMs: 200, maxMs: 5_000 };

/**
 * Runs `fn` again while it fails because a dependency is unavailable (Postgres restarting, say), with capped
 * backoff, until `signal` aborts; any other failure is thrown at once. For work that is not driven by a message the
 * bus could redeliver (the fetcher's work under a lease), so a short outage does not fail the import.
 * `fn` must be safe to run again after an unavailable failure.
 */
export async function whileUnavailable<T>(
  fn: () => Promise<T>,
  opts: { signal: AbortSignal; backoff?: Backoff; onWait?: (err: unknown, attempt: number) => void },
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (opts.signal.aborted || classifyCommon(err) !== 'unavailable') throw err;
      opts.onWait?.(err, attempt);
      await sleep(backoffDelay(attempt, opts.backoff ?? defaultPatience), opts.signal);
      if (opts.signal.aborted) throw err;
    }
  }
}

/** `db` whose single statements wait out an unavailable server (see `whileUnavailable`); not for transactions. */
export function patientQueryable(db: Queryable, opts: Parameters<typeof whileUnavailable>[1]): Queryable {
  return {
    query: ((...args: Parameters<Queryable['query']>) =>
      whileUnavailable(() => (db.query as (...a: unknown[]) => Promise<unknown>)(...args), opts)) as Queryable['query'],
  };
}
