// The services' timers: one abortable sleep and one interruptible loop, so no service grows its own
// setTimeout-and-wake-function pair (each of which had to get stopping, overlap and errors right again).

/** Resolves after `ms`, or as soon as `signal` aborts; either way no timer is left behind. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

export interface EveryOptions {
  /** Ends the loop: a wait in progress ends at once; a run in progress is passed the signal and awaited. */
  signal: AbortSignal;
  /**
   * A run threw (or rejected): report it, with how many runs in a row have failed. The loop goes on, so a failing
   * dependency costs a log line per run, never the loop.
   */
  onError: (err: unknown, failures: number) => void;
  /** The wait after `failures` (≥ 1) failed runs in a row; default `ms`. Lets a loop back off from a dependency. */
  backoffMs?: (failures: number) => number;
}

export interface Every {
  /**
   * Run again without waiting out the interval: at once while waiting, right after the run in progress otherwise
   * (so work committed during a run is never left for the next interval).
   */
  nudge(): void;
  /** Settles once the loop has ended after the abort (the run in progress, if any, done). */
  readonly done: Promise<void>;
}

/**
 * Runs `fn` now and then `ms` after each run ends, until `signal` aborts. Runs never overlap (the wait starts when a
 * run ends); a run resolving 'again' (it did work, so more may be waiting, e.g. past a batch limit) is followed at once.
 */
export function every(
  ms: number,
  // biome-ignore lint/suspicious/noConfusingVoidType: an async fn that returns nothing (Promise<void>) must fit too
  fn: (signal: AbortSignal) => void | 'again' | Promise<void | 'again'>,
  opts: EveryOptions,
): Every {
  const { signal } = opts;
  let nudged = false;
  // Ends the wait in progress (if any): on a nudge, and on the abort.
  let wake: (() => void) | undefined;
  signal.addEventListener('abort', () => wake?.(), { once: true });
  const done = (async () => {
    let failures = 0;
    while (!signal.aborted) {
      // A nudge from here on asks for a run after this one; one before it is answered by this run.
      nudged = false;
      let again = false;
      try {
        again = (await fn(signal)) === 'again';
        failures = 0;
      } catch (err) {
        failures++;
        opts.onError(err, failures);
      }
      if (signal.aborted) return;
      if (again || nudged) continue;
      const waiting = new AbortController();
      wake = () => waiting.abort();
      await sleep(failures > 0 && opts.backoffMs ? opts.backoffMs(failures) : ms, waiting.signal);
      wake = undefined;
    }
  })();
  return {
    nudge() {
      nudged = true;
      wake?.();
    },
    done,
  };
}
