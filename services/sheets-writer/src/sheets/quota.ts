import { AmbiguousOutcomeError, RetriesExhaustedError, SheetsApiError } from './errors.ts';
import { type BucketParams, bucketParams, reserveSlot } from './quota-rules.ts';

/**
 * One scheduler per process, shared by every writer in it: token buckets per principal (the per-user quota) and per
 * Cloud project, plus Google's truncated exponential backoff with a per-method policy. The buckets live in a
 * QuotaStore: in-process for unit tests and a single writer, in Postgres (quota-store.ts) when several writer
 * processes share the principals.
 * gaxios's own retry is off (it never retries POST and ignores per-minute quotas), and the write protocol retries
 * nothing, so this is the only layer that repeats a single call. A write that still fails is run again whole by the
 * bus (write.ts classifyWriteError): one retry layer per call, one per write.
 */

export type SheetsMethod =
  | 'spreadsheets.get'
  | 'spreadsheets.batchUpdate'
  | 'values.get'
  | 'values.batchGet'
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
  'values.batchGet': { kind: 'read', retry: 'idempotent' },
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
  /**
   * Share of a minute's quota that may go out at once. Whatever bursts is taken from the steady rate (the rest of the
   * window refills L − burst), so a small burst keeps a busy principal near its full quota: 1/30 is 2 of 60 calls,
   * for 58/min sustained.
   */
  burstFraction: number;
  /** Google's quota window, a minute; tests compress it (60 per 2 s) to measure the limit in real time. */
  windowMs: number;
  /** How late after its slot a call may reach Google and still not trip the limit (quota-rules.ts bucketParams). */
  arrivalJitterMs: number;
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
  burstFraction: 1 / 30,
  windowMs: 60_000,
  arrivalJitterMs: 0,
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

export interface QuotaBucket {
  /** `write:user:<email>`, `write:project:<project>`, …: one row (or map entry) per bucket. */
  key: string;
  params: BucketParams;
}

/** Where the buckets live. Reserving takes one slot in every given bucket at once. */
export interface QuotaStore {
  /** Milliseconds until the reserved slot (0: go now). The slot is spent even if the caller never uses it. */
  reserve(buckets: readonly QuotaBucket[]): Promise<number>;
}

/** The buckets in this process only: enough for one writer process and for unit tests with a fake clock. */
export function inProcessQuotaStore(clock: Pick<QuotaClock, 'now'> = realClock): QuotaStore {
  const tats = new Map<string, number>();
  return {
    async reserve(buckets) {
      const now = clock.now();
      const r = reserveSlot(
        buckets.map((b) => tats.get(b.key)),
        buckets.map((b) => b.params),
        now,
      );
      buckets.forEach((b, i) => {
        tats.set(b.key, r.tats[i]!);
      });
      return r.at - now;
    },
  };
}

export interface PrincipalQuota {
  /** Runs one Sheets call under the buckets and `method`'s retry policy. */
  run<T>(method: SheetsMethod, call: () => Promise<T>): Promise<T>;
}

export interface QuotaScheduler {
  /** `project`: the principal's Cloud project, whose own per-project quota it shares with the project's others. */
  forPrincipal(principal: string, project?: string): PrincipalQuota;
}

/** The project of callers that name none (a single principal, as before principal pools). */
export const DEFAULT_PROJECT = 'default';

export interface QuotaOptions {
  limits?: Partial<QuotaLimits>;
  backoff?: Partial<BackoffPolicy>;
  clock?: QuotaClock;
  /** In-process buckets (on `clock`) when absent. */
  store?: QuotaStore;
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
  const store = options.store ?? inProcessQuotaStore(clock);
  const params = {
    'write:user': bucketParams(
      limits.writesPerMinutePerUser,
      limits.burstFraction,
      limits.windowMs,
      limits.arrivalJitterMs,
    ),
    'write:project': bucketParams(
      limits.writesPerMinutePerProject,
      limits.burstFraction,
      limits.windowMs,
      limits.arrivalJitterMs,
    ),
    'read:user': bucketParams(
      limits.readsPerMinutePerUser,
      limits.burstFraction,
      limits.windowMs,
      limits.arrivalJitterMs,
    ),
    'read:project': bucketParams(
      limits.readsPerMinutePerProject,
      limits.burstFraction,
      limits.windowMs,
      limits.arrivalJitterMs,
    ),
  };

  async function acquire(kind: 'read' | 'write', principal: string, project: string): Promise<void> {
    const ms = await store.reserve([
      { key: `${kind}:user:${principal}`, params: params[`${kind}:user`] },
      { key: `${kind}:project:${project}`, params: params[`${kind}:project`] },
    ]);
    if (ms <= 0) return;
    await clock.sleep(ms);
    options.onWait?.({ reason: 'bucket', kind, ms });
  }

  const delayFor = (attempt: number) => backoffDelay(attempt, random, policy.maxBackoffMs);

  return {
    forPrincipal(principal, project = DEFAULT_PROJECT) {
      return {
        async run(method, call) {
          const { kind, retry } = METHOD_POLICY[method];
          for (let attempt = 0; ; attempt++) {
            await acquire(kind, principal, project);
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
