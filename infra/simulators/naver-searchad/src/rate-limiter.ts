/**
 * Sliding one-second window per key on the injected clock: a request is refused (429) when `perSecond` requests were
 * already accepted in the last 1000 ms. Refused requests do not count, so a client that backs off recovers.
 */
export class SlidingWindowLimiter {
  readonly #windows = new Map<string, number[]>();

  tryAcquire(key: string, nowMs: number, perSecond: number): boolean {
    if (perSecond <= 0) return true;
    let window = this.#windows.get(key);
    if (!window) {
      window = [];
      this.#windows.set(key, window);
    }
    while (window.length > 0 && window[0]! <= nowMs - 1000) window.shift();
    if (window.length >= perSecond) return false;
    window.push(nowMs);
    return true;
  }
}
