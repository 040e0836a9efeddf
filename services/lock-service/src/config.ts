import { DEFAULT_NAVER_TIMEOUT_MS, LEASE_CLOCK_DRIFT_MARGIN_MS } from '@reportline/contracts';
import { baseConfig, serviceCredential } from '@reportline/platform';
import { z } from 'zod';

export const lockServiceConfig = baseConfig
  .extend({
    /**
     * The credential holders send to the internal endpoints (renewals, current holder): without it anyone on the
     * network could read a holder's token and keep a dead holder's lease alive. Never logged.
     */
    INTERNAL_API_TOKEN: serviceCredential,
    // The holder renews every TTL/3 and stops starting NAVER calls at TTL minus its safety margin (35 s by default): at
    // 120 s it gets two renewal attempts (at 40 s and 80 s) before it would have to stop.
    LEASE_TTL_MS: z.coerce.number().int().min(1_000).default(120_000),
    // No lease is held longer than this in total, however often it is renewed: one stuck import cannot keep a
    // customer id's NAVER access forever (design §4 "a lease has a maximum total hold").
    LEASE_MAX_HOLD_MS: z.coerce
      .number()
      .int()
      .min(1_000)
      .default(30 * 60_000),
    // After an expiry or an aborted release the old holder may still have one request on the wire (it may be paused
    // and unable to abort it, or it abandoned the call): wait out the longest request the fetcher's client allows by
    // default plus the clock-drift margin before granting anyone else. The fetcher's LEASE_SAFETY_MARGIN_MS default
    // is the same sum. Raise both together with NAVER_TIMEOUT_MS.
    LOCK_DELAY_MS: z.coerce
      .number()
      .int()
      .min(0)
      .default(DEFAULT_NAVER_TIMEOUT_MS + LEASE_CLOCK_DRIFT_MARGIN_MS),
    // A waiter not granted within this long leaves the queue with ImportFailed (stage queue): nothing stays queued
    // forever behind a busy account.
    LOCK_MAX_QUEUE_WAIT_MS: z.coerce
      .number()
      .int()
      .min(1_000)
      .default(60 * 60_000),
    TICK_MS: z.coerce.number().int().min(10).default(500),
    // How fast the consumer group notices a dead or paused instance and moves its partitions (broker minimum ~6 s).
    KAFKA_SESSION_TIMEOUT_MS: z.coerce.number().int().min(1_000).default(30_000),
    KAFKA_HEARTBEAT_INTERVAL_MS: z.coerce.number().int().min(100).default(3_000),
  })
  .refine((c) => c.LEASE_MAX_HOLD_MS >= c.LEASE_TTL_MS, {
    path: ['LEASE_MAX_HOLD_MS'],
    message: 'LEASE_MAX_HOLD_MS must be at least LEASE_TTL_MS: a first grant is never shorter than one TTL',
  });
export type LockServiceConfig = z.infer<typeof lockServiceConfig>;

/** The decider's policy from the config. */
export const lockPolicy = (c: LockServiceConfig) => ({
  leaseTtlMs: c.LEASE_TTL_MS,
  lockDelayMs: c.LOCK_DELAY_MS,
  maxHoldMs: c.LEASE_MAX_HOLD_MS,
  maxQueueWaitMs: c.LOCK_MAX_QUEUE_WAIT_MS,
});
