/** A clock whose sleep advances time instantly, so backoff and quota waits cost no real time. */
export function fakeClock(start = 1_700_000_000_000) {
  const clock = {
    t: start,
    slept: [] as number[],
    now: () => clock.t,
    sleep: async (ms: number) => {
      clock.slept.push(ms);
      clock.t += ms;
    },
  };
  return clock;
}

/** The largest number of timestamps inside any window of `windowMs` (Google's sliding minute). */
export function maxInWindow(times: readonly number[], windowMs = 60_000): number {
  let max = 0;
  for (const t of times) max = Math.max(max, times.filter((u) => u > t - windowMs && u <= t).length);
  return max;
}
