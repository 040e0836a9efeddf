/** Capped exponential backoff between attempts of a failing handler. */
export interface Backoff {
  initialMs: number;
  maxMs: number;
}

export const defaultBackoff: Backoff = { initialMs: 200, maxMs: 30_000 };

/** Delay before attempt `failures + 1`, doubling from `initialMs` and never above `maxMs`. */
export function backoffDelay(failures: number, backoff: Backoff): number {
  return Math.min(backoff.maxMs, backoff.initialMs * 2 ** Math.max(0, failures - 1));
}
