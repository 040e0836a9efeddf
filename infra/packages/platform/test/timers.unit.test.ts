import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { every, sleep } from '../src/timers.ts';

// Fake timers: the intervals below are long on purpose, so a test passing proves a wait was cut short, not waited out.
beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

const noError = (err: unknown) => {
  throw err;
};

describe('sleep', () => {
  it('resolves after the time, or at once on abort, leaving no timer behind', async () => {
    let slept = false;
    void sleep(1_000).then(() => {
      slept = true;
    });
    await vi.advanceTimersByTimeAsync(999);
    expect(slept).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(slept).toBe(true);

    const stop = new AbortController();
    const cut = sleep(60_000, stop.signal);
    stop.abort();
    await cut;
    expect(vi.getTimerCount()).toBe(0);
    await sleep(60_000, stop.signal); // already aborted: at once
  });
});

describe('every', () => {
  it('runs at once, then the interval after each run ends, and stops promptly on abort', async () => {
    const stop = new AbortController();
    let runs = 0;
    const loop = every(60_000, () => void runs++, { signal: stop.signal, onError: noError });
    await vi.advanceTimersByTimeAsync(0);
    expect(runs).toBe(1);
    await vi.advanceTimersByTimeAsync(59_999);
    expect(runs).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(runs).toBe(2);

    stop.abort();
    await loop.done; // no timer advanced: the wait ended with the abort
    expect(runs).toBe(2);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('lets the run in progress finish on abort, passing it the signal, and starts no other', async () => {
    const stop = new AbortController();
    const release = Promise.withResolvers<void>();
    let seen: AbortSignal | undefined;
    let runs = 0;
    const loop = every(
      10,
      async (signal) => {
        runs++;
        seen = signal;
        await release.promise;
      },
      { signal: stop.signal, onError: noError },
    );
    await vi.advanceTimersByTimeAsync(0);
    stop.abort();
    expect(seen?.aborted).toBe(true);
    let ended = false;
    void loop.done.then(() => {
      ended = true;
    });
    await vi.advanceTimersByTimeAsync(100);
    expect(ended).toBe(false);
    release.resolve();
    await loop.done;
    expect(runs).toBe(1);
  });

  it('never overlaps runs: nudges during a run make one more run right after it, not a parallel one', async () => {
    const stop = new AbortController();
    let running = 0;
    let most = 0;
    let runs = 0;
    let gate = Promise.withResolvers<void>();
    const loop = every(
      60_000,
      async () => {
        runs++;
        most = Math.max(most, ++running);
        await gate.promise;
        running--;
      },
      { signal: stop.signal, onError: noError },
    );
    await vi.advanceTimersByTimeAsync(0);
    loop.nudge();
    loop.nudge();
    loop.nudge();
    await vi.advanceTimersByTimeAsync(0);
    expect(runs).toBe(1);
    const first = gate;
    gate = Promise.withResolvers<void>();
    first.resolve();
    await vi.advanceTimersByTimeAsync(0);
    expect(runs).toBe(2); // the nudges, answered at once by one run
    gate.resolve();
    await vi.advanceTimersByTimeAsync(0);
    expect(runs).toBe(2); // then the interval again
    expect(most).toBe(1);

    loop.nudge(); // while waiting: at once
    await vi.advanceTimersByTimeAsync(0);
    expect(runs).toBe(3);
    stop.abort();
    await loop.done;
  });

  it("follows a run that resolves 'again' at once", async () => {
    const stop = new AbortController();
    let left = 3;
    let runs = 0;
    const loop = every(
      60_000,
      async () => {
        runs++;
        return left-- > 0 ? 'again' : undefined;
      },
      { signal: stop.signal, onError: noError },
    );
    await vi.advanceTimersByTimeAsync(0);
    expect(runs).toBe(4);
    stop.abort();
    await loop.done;
  });

  it('survives a throwing run: reports it through onError with the failures in a row, backs off, goes on', async () => {
    const stop = new AbortController();
    const reported: [string, number][] = [];
    let runs = 0;
    const loop = every(
      100,
      (): Promise<void> | undefined => {
        runs++;
        if (runs === 1) throw new Error('thrown');
        if (runs === 2) return Promise.reject(new Error('rejected'));
        return undefined;
      },
      {
        signal: stop.signal,
        onError: (err, failures) => reported.push([(err as Error).message, failures]),
        backoffMs: (failures) => 1_000 * failures,
      },
    );
    await vi.advanceTimersByTimeAsync(0);
    expect(reported).toEqual([['thrown', 1]]);
    await vi.advanceTimersByTimeAsync(999);
    expect(runs).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(reported).toEqual([
      ['thrown', 1],
      ['rejected', 2],
    ]);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(runs).toBe(3); // succeeded: back to the interval
    await vi.advanceTimersByTimeAsync(100);
    expect(runs).toBe(4);
    stop.abort();
    await loop.done;
  });

  it('does not run at all when the signal has already aborted', async () => {
    let runs = 0;
    await every(10, () => void runs++, { signal: AbortSignal.abort(), onError: noError }).done;
    expect(runs).toBe(0);
  });
});
