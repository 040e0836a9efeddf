import { baseConfig } from '@reportline/platform';
import { z } from 'zod';

/** Longest NAVER request the fetcher's client allows (its NAVER_TIMEOUT_MS default). */
export const MAX_NAVER_REQUEST_MS = 30_000;
/** Margin for the wall clocks of the lock-service and the holder's machine disagreeing. */
export const CLOCK_DRIFT_MARGIN_MS = 5_000;

export const lockServiceConfig = baseConfig.extend({
  LEASE_TTL_MS: z.coerce.number().int().min(1_000).default(120_000),
  // After an expiry the old holder may still have one request on the wire (it may be paused and unable to abort it):
  // wait out the longest request the client allows plus the clock-drift margin before granting anyone else.
  LOCK_DELAY_MS: z.coerce
    .number()
    .int()
    .min(0)
    .default(MAX_NAVER_REQUEST_MS + CLOCK_DRIFT_MARGIN_MS),
  TICK_MS: z.coerce.number().int().min(10).default(500),
  // How fast the consumer group notices a dead or paused instance and moves its partitions (broker minimum ~6 s).
  KAFKA_SESSION_TIMEOUT_MS: z.coerce.number().int().min(1_000).default(30_000),
  KAFKA_HEARTBEAT_INTERVAL_MS: z.coerce.number().int().min(100).default(3_000),
});
export type LockServiceConfig = z.infer<typeof lockServiceConfig>;
