import { describe, expect, it } from 'vitest';
import { RateBudget } from '../src/rate-budget.ts';

/** Virtual time: sleeping advances the clock, so pacing is measured exactly and instantly. */
function virtualBudget(options: ConstructorParameters<typeof RateBudget>[0] = {}) {
  let t = 0;
  const starts: number[] = [];
  const budget = new RateBudget({
    ...options,
    now: () => t,
    sleep: async (ms) => {
      t += Math.max(0, ms);
    },
  });
  const start = async (customerId = 'c1') => {
    await budget.acquire(customerId);
    starts.push(t);
  };
  return { budget, starts, start };
}

describe('RateBudget', () => {
  it('spaces request starts 1000/maxPerSecond ms apart per customer id', async () => {
    const { start, starts } = virtualBudget({ maxPerSecond: 8 });
    for (let i = 0; i < 4; i++) await start();
    expect(starts).toEqual([0, 125, 250, 375]);
  });

  it('never lets more than maxPerSecond starts into any second, even when sleeps wake late', async () => {
    // Sleeps wake 0–5 ms late, as timers do under load: with evenly spaced slots alone, a late start followed ten
    // slots later by a punctual one puts eleven starts in one second, which NAVER (a sliding window) refuses (429).
    let t = 0;
    let wakes = 0;
    const starts: number[] = [];
    const budget = new RateBudget({
      maxPerSecond: 10,
      now: () => t,
      sleep: async (ms) => {
        t += Math.max(0, ms) + ((wakes++ * 7) % 6);
      },
    });
    for (let i = 0; i < 60; i++) {
      await budget.acquire('c1');
      starts.push(t);
    }
    for (const [i, at] of starts.entries()) {
      expect(
        starts.filter((s) => s > at - 1000 && s <= at).length,
        `the second ending at start ${i}`,
      ).toBeLessThanOrEqual(10);
    }
    // And close to the limit still: 60 starts in well under 7 seconds.
    expect(starts.at(-1)! - starts[0]!).toBeLessThan(6_500);
  });

  it('keeps customer ids independent', async () => {
    const { start, starts } = virtualBudget({ maxPerSecond: 1 });
    await start('a');
    await start('b');
    expect(starts).toEqual([0, 0]);
  });

  it('starts backing off at ~0.1 s on 429, grows gradually, caps, and shrinks on success', () => {
    const { budget } = virtualBudget({ initialBackoffMs: 100, growth: 1.5, maxBackoffMs: 300, shrink: 0.5 });
    expect(budget.recordRateLimited('c1')).toBe(100);
    expect(budget.recordRateLimited('c1')).toBe(150);
    expect(budget.recordRateLimited('c1')).toBe(225);
    expect(budget.recordRateLimited('c1')).toBe(300);
    expect(budget.snapshot('c1')).toEqual({ backoffMs: 300, consecutiveRateLimited: 4 });
    budget.recordSuccess('c1');
    expect(budget.snapshot('c1')).toEqual({ backoffMs: 150, consecutiveRateLimited: 0 });
    budget.recordSuccess('c1'); // 75
    budget.recordSuccess('c1'); // 37.5
    expect(budget.snapshot('c1').backoffMs).toBe(37.5);
    budget.recordSuccess('c1'); // below a quarter of the initial backoff → plain pacing again
    expect(budget.snapshot('c1').backoffMs).toBe(0);
  });

  it('a 429 seen by one caller delays every caller of that customer id', async () => {
    const { budget, start, starts } = virtualBudget({ maxPerSecond: 0, initialBackoffMs: 100 });
    await start();
    budget.recordRateLimited('c1');
    await start();
    await start();
    expect(starts).toEqual([0, 100, 200]);
  });

  it('rejects with the caller’s reason when aborted while waiting', async () => {
    const budget = new RateBudget({ maxPerSecond: 1 });
    await budget.acquire('c1');
    const controller = new AbortController();
    const waiting = budget.acquire('c1', controller.signal);
    controller.abort(new Error('stop'));
    await expect(waiting).rejects.toThrow('stop');
  });
});
