import { baseConfig, secretsKey } from '@reportline/platform';
import { z } from 'zod';

export const fetcherConfig = baseConfig.extend({
  SECRETS_KEY: secretsKey,
  /**
   * The lock-service's HTTP API, for lease renewals and the guard's token check. Without it the fetcher must finish
   * within the first lease TTL: its guard still stops every call at the deadline.
   */
  LOCK_SERVICE_URL: z.url().optional(),
  NAVER_BASE_URL: z.url({ message: 'required: NAVER API base URL, e.g. https://api.searchad.naver.com' }),
  NAVER_TIMEOUT_MS: z.coerce.number().int().min(1_000).max(120_000).default(30_000),
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
  // No NAVER call starts later than this before the lease deadline: covers one request's timeout plus clock drift.
  LEASE_SAFETY_MARGIN_MS: z.coerce.number().int().min(0).default(5_000),
  LOOKBACK_AD_DAYS: z.coerce.number().int().min(1).default(365),
  LOOKBACK_AD_DETAIL_DAYS: z.coerce.number().int().min(1).default(30),
  LOOKBACK_AD_CONVERSION_DAYS: z.coerce.number().int().min(1).default(365),
  LOOKBACK_AD_CONVERSION_DETAIL_DAYS: z.coerce.number().int().min(1).default(45),
});
export type FetcherConfig = z.infer<typeof fetcherConfig>;

export const lookBack = (c: FetcherConfig) => ({
  AD: c.LOOKBACK_AD_DAYS,
  AD_DETAIL: c.LOOKBACK_AD_DETAIL_DAYS,
  AD_CONVERSION: c.LOOKBACK_AD_CONVERSION_DAYS,
  AD_CONVERSION_DETAIL: c.LOOKBACK_AD_CONVERSION_DETAIL_DAYS,
});
