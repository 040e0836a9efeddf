/** Time as a parameter: rules take it in, tests pass a fake. */
export interface Clock {
  now(): Date;
  /** Monotonic milliseconds for measuring durations and deadlines; immune to wall-clock steps. */
  monotonicMs(): number;
}

export const systemClock: Clock = {
  now: () => new Date(),
  monotonicMs: () => performance.now(),
};

/** A settable clock for tests and simulations. */
export function manualClock(start: Date): Clock & { advance(ms: number): void; set(d: Date): void } {
  let wall = start.getTime();
  let mono = 0;
  return {
    now: () => new Date(wall),
    monotonicMs: () => mono,
    advance(ms) {
      wall += ms;
      mono += ms;
    },
    set(d) {
      mono += Math.max(0, d.getTime() - wall);
      wall = d.getTime();
    },
  };
}
