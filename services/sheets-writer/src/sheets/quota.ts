import { AmbiguousOutcomeError, RetriesExhaustedError, SheetsApiError } from './errors.ts';

/**
 * One scheduler per Google Cloud project, shared by every writer in the process: token buckets per principal (the
 * per-user quota) and for the project, plus Google's truncated exponential backoff with a per-method policy.
 * gaxios's own retry is off (it never retries POST and ignores per-minute quotas), and the write protocol retries
 * nothing, so this is the only layer that repeats a single call. A write that still fails is run again whole by the
 * bus (write.ts classifyWriteError): one retry layer per call, one per write.
 */

export type SheetsMethod =
  | 'spreadsheets.get'
  | 'spreadsheets.batchUpdate'
  | 'values.get'
  | 'values.update'
  | 'values.batchUpdate'
  | 'values.clear'
  | 'values.batchClear'
  | 'values.append';

/**
 * `idempotent`: retried after any transient failure, even when it may have been applied (repeating it is harmless).
 * `verify`: retried only after a 429 (certainly not applied); anything else transient becomes an
 * AmbiguousOutcomeError, resolved by the next run of the write, which reads state back before doing anything.
 * `never`: as `verify`, and the caller must not retry blindly either (append duplicates rows).
 */
export type RetryPolicy = 'idempotent' | 'verify' | 'never';

export const METHOD_POLICY: Record<SheetsMethod, { kind: 'read' | 'write'; retry: RetryPolicy }> = {
  'spreadsheets.get': { kind: 'read', retry: 'idempotent' },
  'values.get': { kind: 'read', retry: 'idempotent' },
  'values.update': { kind: 'write', retry: 'idempotent' },
  'values.batchUpdate': { kind: 'write', retry: 'idempotent' },
  'values.clear': { kind: 'write', retry: 'idempotent' },
  'values.batchClear': { kind: 'write', retry: 'idempotent' },
  'spreadsheets.batchUpdate': { kind: 'write', retry: 'verify' },
  'values.append': { kind: 'write', retry: 'never' },
};

export interface QuotaLimits {
  writesPerMinutePerUser: number;
  writesPerMinutePerProject: number;
  readsPerMinutePerUser: number;
  readsPerMinutePerProject: number;
  /** Share of a minute's quota that may go out at once. */
  burstFraction: number;
}

export interface BackoffPolicy {
  maxBackoffMs: number;
  maxRetries: number;
}

export interface QuotaClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const DEFAULT_LIMITS: QuotaLimits = {
  writesPerMinutePerUser: 60,
  writesPerMinutePerProject: 300,
  readsPerMinutePerUser: 60,
  readsPerMinutePerProject: 300,
  burstFraction: 1 / 6,
};
export const DEFAULT_BACKOFF: BackoffPolicy = { maxBackoffMs: 32_000, maxRetries: 10 };

const realClock: QuotaClock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** Google's truncated exponential backoff: `min(2^n s + random(0..1000 ms), max)`. */
export function backoffDelay(attempt: number, random: () => number, maxBackoffMs: number): number {
  return Math.min(2 ** attempt * 1000 + Math.floor(random() * 1000), maxBackoffMs);
}

export type FailureClass = 'rate-limited' | 'server-error' | 'ambiguous' | 'permanent';

export function classifyFailure(err: unknown): FailureClass {
  if (!(err instanceof SheetsApiError)) return 'permanent';
  if (err.status === 429) return 'rate-limited';
  if (err.status === undefined || err.status === 408) return 'ambiguous';
  if (err.status >= 500) return err.googleStatus ? 'server-error' : 'ambiguous';
  return 'permanent';
}

/**
 * Capacity C and refill (L − C) per minute: any 60-second window then holds at most C + (L − C) = L requests, so a
 * writer that only obeys its buckets never trips Google's sliding per-minute counter.
 */
class TokenBucket {
  private tokens: number;
  private last: number;
  private readonly capacity: number;
  private readonly perMs: number;

  constructor(limitPerMinute: number, burstFraction: number, now: number) {
    this.capacity = Math.max(1, Math.floor(limitPerMinute * burstFraction));
    this.perMs = Math.max(limitPerMinute - this.capacity, 1) / 60_000;
    this.tokens = this.capacity;
    this.last = now;
  }

  /** Milliseconds until a token is available (0: available now). */
  waitMs(now: number): number {
    this.tokens = Math.min(this.capacity, this.tokens + (now - this.last) * this.perMs);
    this.last = now;
    return this.tokens >= 1 ? 0 : Math.ceil((1 - this.tokens) / this.perMs);
  }

  take(): void {
    this.tokens -= 1;
  }
}

export interface PrincipalQuota {
  /** Runs one Sheets call under the buckets and `method`'s retry policy. */
  run<T>(method: SheetsMethod, call: () => Promise<T>): Promise<T>;
}

export interface QuotaScheduler {
  forPrincipal(principal: string): PrincipalQuota;
}

export interface QuotaOptions {
  limits?: Partial<QuotaLimits>;
  backoff?: Partial<BackoffPolicy>;
  clock?: QuotaClock;
  random?: () => number;
  /** Called before each backoff wait; for logs and metrics. */
  onRetry?: (info: {
    principal: string;
    method: SheetsMethod;
    attempt: number;
    delayMs: number;
    failure: FailureClass;
  }) => void;
  /**
   * Called after each wait a call had before it could run: for a quota token (`bucket`) or after a retryable failure
   * (`backoff`). For the quota-wait histogram: how much of a write's time goes to Google's limits.
   */
  onWait?: (info: { reason: 'bucket' | 'backoff'; kind: 'read' | 'write'; ms: number }) => void;
}

export function createQuotaScheduler(options: QuotaOptions = {}): QuotaScheduler {
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  const policy = { ...DEFAULT_BACKOFF, ...options.backoff };
  const clock = options.clock ?? realClock;
  const random = options.random ?? Math.random;
  const buckets = new Map<string, TokenBucket>();

  function bucket(key: string, limit: number): TokenBucket {
    let b = buckets.get(key);
    if (!b) {
      b = new TokenBucket(limit, limits.burstFraction, clock.now());
      buckets.set(key, b);
    }
    return b;
  }

  async function acquire(kind: 'read' | 'write', principal: string): Promise<void> {
    const user =
      kind === 'write'
        ? bucket(`write:user:${principal}`, limits.writesPerMinutePerUser)
        : bucket(`read:user:${principal}`, limits.readsPerMinutePerUser);
    const project =
      kind === 'write'
        ? bucket('write:project', limits.writesPerMinutePerProject)
        : bucket('read:project', limits.readsPerMinutePerProject);
    const start = clock.now();
    for (;;) {
      const now = clock.now();
      const wait = Math.max(user.waitMs(now), project.waitMs(now));
      if (wait === 0) {
        user.take();
        project.take();
        if (now > start) options.onWait?.({ reason: 'bucket', kind, ms: now - start });
        return;
      }
      await clock.sleep(wait);
    }
  }

  const delayFor = (attempt: number) => backoffDelay(attempt, random, policy.maxBackoffMs);

  return {
    forPrincipal(principal) {
      return {
        async run(method, call) {
          const { kind, retry } = METHOD_POLICY[method];
          for (let attempt = 0; ; attempt++) {
            await acquire(kind, principal);
            try {
              return await call();
            } catch (err) {
              const failure = classifyFailure(err);
              if (failure === 'permanent') throw err;
              if (retry !== 'idempotent' && failure !== 'rate-limited') throw new AmbiguousOutcomeError(method, err);
              if (attempt >= policy.maxRetries) throw new RetriesExhaustedError(method, attempt + 1, err);
              const delayMs = delayFor(attempt);
              options.onRetry?.({ principal, method, attempt, delayMs, failure });
              await clock.sleep(delayMs);
              options.onWait?.({ reason: 'backoff', kind, ms: delayMs });
            }
          }
        },
      };
    },
  };
}
