/**
 * One request budget per NAVER customer id, shared by every client in the process: NAVER limits report endpoints to
 * roughly 10 requests/s per customer id (#50), adaptively, and answers 429 without Retry-After. Two things combine:
 * - steady pacing: request starts for one customer id are spaced at least 1000/maxPerSecond ms apart;
 * - adaptive backoff: the first 429 widens the spacing to ~0.1 s more, further 429s grow it gradually (×growth, capped),
 *   each success shrinks it again (×shrink) until it falls back to plain pacing (#761: "sleep ~0.1 s and grow gradually").
 */
/** Time from a granted start to the request reaching NAVER (signing, a socket), allowed for in the sliding window. */
const WINDOW_MARGIN_MS = 15;

export interface RateBudgetOptions {
  /** Steady-state ceiling of request starts per second per customer id (default 8, under NAVER's ~10). 0 = unpaced. */
  maxPerSecond?: number;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  growth?: number;
  shrink?: number;
  /** Monotonic milliseconds (default performance.now). */
  now?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export interface RateBudgetSnapshot {
  backoffMs: number;
  consecutiveRateLimited: number;
}

interface Lane {
  lastStart: number;
  /** When the last requests actually started (at most the per-second count): the sliding window NAVER counts in. */
  starts: number[];
  backoffMs: number;
  consecutiveRateLimited: number;
}

export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0) return signal?.aborted ? Promise.reject(signal.reason) : Promise.resolve();
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export class RateBudget {
  readonly #lanes = new Map<string, Lane>();
  readonly #intervalMs: number;
  /** Starts allowed in any second (0 = unpaced). */
  readonly #perWindow: number;
  readonly #initialBackoffMs: number;
  readonly #maxBackoffMs: number;
  readonly #growth: number;
  readonly #shrink: number;
  readonly #now: () => number;
  readonly #sleep: (ms: number, signal?: AbortSignal) => Promise<void>;

  constructor(options: RateBudgetOptions = {}) {
    const maxPerSecond = options.maxPerSecond ?? 8;
    if (!(maxPerSecond >= 0)) throw new RangeError('maxPerSecond must be >= 0');
    this.#intervalMs = maxPerSecond === 0 ? 0 : 1000 / maxPerSecond;
    this.#perWindow = maxPerSecond === 0 ? 0 : Math.max(1, Math.floor(maxPerSecond));
    this.#initialBackoffMs = options.initialBackoffMs ?? 100;
    this.#maxBackoffMs = options.maxBackoffMs ?? 5000;
    this.#growth = options.growth ?? 1.5;
    this.#shrink = options.shrink ?? 0.7;
    this.#now = options.now ?? (() => performance.now());
    this.#sleep = options.sleep ?? abortableSleep;
  }

  #lane(customerId: string): Lane {
    let lane = this.#lanes.get(customerId);
    if (!lane) {
      lane = { lastStart: Number.NEGATIVE_INFINITY, starts: [], backoffMs: 0, consecutiveRateLimited: 0 };
      this.#lanes.set(customerId, lane);
    }
    return lane;
  }

  /** Reserves the next start slot for this customer id and waits for it. Slots are handed out in call order. */
  async acquire(customerId: string, signal?: AbortSignal): Promise<void> {
    const lane = this.#lane(customerId);
    const now = this.#now();
    const slot = Math.max(now, lane.lastStart + this.#intervalMs + lane.backoffMs);
    lane.lastStart = slot;
    await this.#sleep(slot - now, signal);
    // Evenly spaced slots alone are not enough: a start that woke a millisecond late puts it less than a second
    // before the start `perWindow` slots later, and NAVER (a sliding second) refuses that one. So a start also waits
    // until the one `perWindow` starts before it left the window, plus a margin for the time to the wire.
    for (;;) {
      if (this.#perWindow === 0 || lane.starts.length < this.#perWindow) break;
      const wait = lane.starts[lane.starts.length - this.#perWindow]! + 1000 + WINDOW_MARGIN_MS - this.#now();
      if (wait <= 0) break;
      await this.#sleep(wait, signal);
    }
    const started = this.#now();
    lane.starts.push(started);
    if (lane.starts.length > this.#perWindow) lane.starts.splice(0, lane.starts.length - this.#perWindow);
    lane.lastStart = Math.max(lane.lastStart, started);
  }

  recordSuccess(customerId: string): void {
    const lane = this.#lane(customerId);
    lane.consecutiveRateLimited = 0;
    lane.backoffMs = lane.backoffMs * this.#shrink;
    if (lane.backoffMs < this.#initialBackoffMs / 4) lane.backoffMs = 0;
  }

  /** Grows the backoff and restarts spacing from now, so every caller of this customer id pauses, not just this one. */
  recordRateLimited(customerId: string): number {
    const lane = this.#lane(customerId);
    lane.consecutiveRateLimited += 1;
    lane.backoffMs =
      lane.backoffMs === 0 ? this.#initialBackoffMs : Math.min(this.#maxBackoffMs, lane.backoffMs * this.#growth);
    lane.lastStart = Math.max(lane.lastStart, this.#now());
    return lane.backoffMs;
  }

  snapshot(customerId: string): RateBudgetSnapshot {
    const lane = this.#lane(customerId);
    return { backoffMs: lane.backoffMs, consecutiveRateLimited: lane.consecutiveRateLimited };
  }
}

/** The process-wide budget clients use unless given their own (tests and benchmarks pass a private one). */
export const sharedRateBudget = new RateBudget();
