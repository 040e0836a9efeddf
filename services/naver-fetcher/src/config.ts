import { DEFAULT_NAVER_TIMEOUT_MS, LEASE_CLOCK_DRIFT_MARGIN_MS } from '@reportline/contracts';
import { baseConfig, secretsKey, serviceCredential } from '@reportline/platform';
import { z } from 'zod';

/** naver.com or a subdomain of it (api.searchad.naver.com, the retired api.naver.com). */
export function isNaverHost(baseUrl: string): boolean {
  const host = new URL(baseUrl).hostname.toLowerCase().replace(/\.$/, '');
  return host === 'naver.com' || host.endsWith('.naver.com');
}

export const fetcherConfig = baseConfig
  .extend({
    SECRETS_KEY: secretsKey,
    /**
     * The lock-service's HTTP API, for lease renewals and the guard's token check. Without it the fetcher must finish
     * within the first lease TTL: its guard still stops every call at the deadline.
     */
    LOCK_SERVICE_URL: z.url().optional(),
    /** The service credential for the lock-service's internal endpoints (required with LOCK_SERVICE_URL). Never logged. */
    INTERNAL_API_TOKEN: serviceCredential.optional(),
    NAVER_BASE_URL: z.url({ message: 'required: NAVER API base URL, e.g. https://api.searchad.naver.com' }),
    /**
     * Send X-Reportline-Origin (`importId#fencingToken`) on every NAVER request: the attribution the NAVER simulator's
     * overlap oracle reads. Only for the simulator (tests, demo): NAVER has no use for it and need not learn our
     * import ids, so it is off by default and refused for a NAVER host.
     */
    NAVER_SEND_ORIGIN: z.stringbool().default(false),
    NAVER_TIMEOUT_MS: z.coerce.number().int().min(1_000).max(120_000).default(DEFAULT_NAVER_TIMEOUT_MS),
    NAVER_POLL_MS: z.coerce.number().int().min(50).default(5_000),
    /**
     * How long one stat-report job may stay REGIST/RUNNING/WAITING before it is deleted and re-created (up to
     * NAVER_MAX_ATTEMPTS jobs per day, then the import fails as `naver-report-stuck`). Past days usually build in
     * seconds; jobs have sat in REGIST for hours during NAVER incidents.
     */
    NAVER_BUILD_TIMEOUT_MS: z.coerce.number().int().min(1_000).max(3_600_000).default(600_000),
    NAVER_MAX_OPEN_JOBS: z.coerce.number().int().min(1).max(90).default(20),
    /** Imports (each under its own customer id's lease) this process works on at once. */
    NAVER_MAX_CONCURRENT_IMPORTS: z.coerce.number().int().min(1).max(100).default(16),
    NAVER_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(10).default(3),
    // No NAVER call starts later than this before the lease deadline, so the longest request (NAVER_TIMEOUT_MS) plus
    // clock drift still ends inside the lease. With the 120 s lease TTL and renewals every TTL/3 the holder still gets
    // two renewal attempts (at 40 s and 80 s) before it stops starting calls at 85 s.
    LEASE_SAFETY_MARGIN_MS: z.coerce
      .number()
      .int()
      .min(0)
      .default(DEFAULT_NAVER_TIMEOUT_MS + LEASE_CLOCK_DRIFT_MARGIN_MS),
    /**
     * NAVER report requests per second per customer id, the steady pace of every call under a lease (NAVER allows
     * about 10, adaptively, #50); the first 429 slows it down and successes bring it back. 0 = unpaced, for a
     * simulator without a rate limit only.
     */
    NAVER_REQUESTS_PER_SECOND: z.coerce.number().min(0).max(50).default(10),
    /** Tries of one stat-report create that answered 5xx or timed out; before each new try the job list is read. */
    NAVER_CREATE_TRIES: z.coerce.number().int().min(1).max(10).default(3),
    /** Days back from today (KST) that are fetched again although stored: NAVER restates the last 48 h. */
    CALENDAR_RESTATEMENT_DAYS: z.coerce.number().int().min(0).max(14).default(2),
    /**
     * A restatement-window date NAVER answered within this long is fresh: five connections of one customer id at
     * 06:30 cost NAVER one fetch, not five.
     */
    CALENDAR_FRESH_MS: z.coerce
      .number()
      .int()
      .min(0)
      .default(30 * 60_000),
    /** Before this hour (KST) a NONE for yesterday means "not aggregated yet", and the date stays pending. */
    NAVER_DATA_READY_HOUR_KST: z.coerce.number().int().min(0).max(23).default(6),
    /**
     * Stored reports are served to credentials NAVER accepted for the customer id within this long; older or unknown
     * credentials are checked with one signed call under a lease first.
     */
    CREDENTIALS_TRUST_MS: z.coerce
      .number()
      .int()
      .min(60_000)
      .default(24 * 3_600_000),
    /**
     * An ImportRequested older than this is not planned (the scheduler ends every import within its lifetime, 3 h by
     * default): a consumer group that reads the imports topic from its start must not revive finished imports.
     */
    NAVER_REQUEST_MAX_AGE_MS: z.coerce
      .number()
      .int()
      .min(60_000)
      .default(3 * 3_600_000),
    /** Master data (names) is fetched again under a lease when the last fetch is older than this. */
    MASTER_REFRESH_MS: z.coerce.number().int().min(0).default(3_600_000),
    /**
     * How long a lease waits for master reports to build when its report work is shorter: they build alongside the
     * reports, and a job still building after both is picked up by the next lease (names come from the last fetch
     * meanwhile). NAVER takes minutes for them, so a daily update is not held for names.
     */
    MASTER_WAIT_MS: z.coerce.number().int().min(0).max(600_000).default(10_000),
    LOOKBACK_AD_DAYS: z.coerce.number().int().min(1).default(365),
    LOOKBACK_AD_DETAIL_DAYS: z.coerce.number().int().min(1).default(180),
    LOOKBACK_AD_CONVERSION_DAYS: z.coerce.number().int().min(1).default(365),
    LOOKBACK_AD_CONVERSION_DETAIL_DAYS: z.coerce.number().int().min(1).default(45),
  })
  .refine((c) => !c.LOCK_SERVICE_URL || c.INTERNAL_API_TOKEN, {
    path: ['INTERNAL_API_TOKEN'],
    message: 'required when LOCK_SERVICE_URL is set: the lock-service accepts renewals only with INTERNAL_API_TOKEN',
  })
  .refine((c) => !(c.NAVER_SEND_ORIGIN && isNaverHost(c.NAVER_BASE_URL)), {
    path: ['NAVER_SEND_ORIGIN'],
    message: 'must be off for a NAVER host: the origin header is for the NAVER simulator only',
  })
  .refine((c) => c.LEASE_SAFETY_MARGIN_MS >= c.NAVER_TIMEOUT_MS + LEASE_CLOCK_DRIFT_MARGIN_MS, {
    path: ['LEASE_SAFETY_MARGIN_MS'],
    message:
      `must be at least NAVER_TIMEOUT_MS + ${LEASE_CLOCK_DRIFT_MARGIN_MS} ms (clock drift): a NAVER request started just ` +
      'before the margin must end before the lease can expire',
  });
export type FetcherConfig = z.infer<typeof fetcherConfig>;

export const calendarPolicy = (c: FetcherConfig) => ({
  lookBackDays: lookBack(c),
  restatementDays: c.CALENDAR_RESTATEMENT_DAYS,
  freshMs: c.CALENDAR_FRESH_MS,
});

export const lookBack = (c: FetcherConfig) => ({
  AD: c.LOOKBACK_AD_DAYS,
  AD_DETAIL: c.LOOKBACK_AD_DETAIL_DAYS,
  AD_CONVERSION: c.LOOKBACK_AD_CONVERSION_DAYS,
  AD_CONVERSION_DETAIL: c.LOOKBACK_AD_CONVERSION_DETAIL_DAYS,
});

/** The X-Reportline-Origin value for one lease grant, or undefined (no header) unless NAVER_SEND_ORIGIN is on. */
export const naverOrigin = (c: FetcherConfig, importId: string, fencingToken: number): string | undefined =>
  c.NAVER_SEND_ORIGIN ? `${importId}#${fencingToken}` : undefined;
