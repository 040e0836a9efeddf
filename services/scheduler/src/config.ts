import { baseConfig, secretsKey, serviceCredential } from '@reportline/platform';
import { z } from 'zod';

export const schedulerConfig = baseConfig.extend({
  SECRETS_KEY: secretsKey,
  /**
   * The operator's token: admin of the BOOTSTRAP_TENANT tenant, and the only token that may create tenants. Unset,
   * only tokens issued through the API exist. Stored hashed like every token; never logged.
   */
  BOOTSTRAP_ADMIN_TOKEN: z.preprocess(
    // An empty value (an env file's `BOOTSTRAP_ADMIN_TOKEN=`) is no token, not a short one.
    (v) => (v === '' ? undefined : v),
    z.string().min(32, 'must be at least 32 characters (openssl rand -base64 32)').optional(),
  ),
  BOOTSTRAP_TENANT: z.string().min(1).max(100).default('default'),
  /** The sheets-writer, for the preflight of a connection's target (POST /internal/preflight). */
  SHEETS_WRITER_URL: z.url({ message: 'required: the sheets-writer base URL, e.g. http://sheets-writer:8080' }),
  /** The lock-service, for a connection's lock view (holder, queue, history; never fencing tokens). */
  LOCK_SERVICE_URL: z.url({ message: 'required: the lock-service base URL, e.g. http://lock-service:8080' }),
  /** The internal service credential the sheets-writer's preflight requires. Never logged. */
  INTERNAL_API_TOKEN: serviceCredential,
  /** How long a connection's preflight may take before the API answers 503 (nothing is changed then). */
  PREFLIGHT_TIMEOUT_MS: z.coerce.number().int().min(100).default(15_000),
  /**
   * An import neither the naver-fetcher nor the lock-service acknowledged within this ends as failed (its request was
   * lost).
   */
  IMPORT_QUEUE_ACK_MS: z.coerce
    .number()
    .int()
    .min(1_000)
    .default(2 * 60_000),
  /** A started import with no work done for this long ends as failed (retryable); renewals are not work. */
  IMPORT_STALL_MS: z.coerce
    .number()
    .int()
    .min(1_000)
    .default(30 * 60_000),
  /**
   * No import lives longer than this from its request. The default covers the longest path the other bounds allow:
   * 60 min in the lock queue + 30 min maximum lease hold + 2 min lease TTL + 30 min processing + 30 min writing.
   */
  IMPORT_MAX_LIFETIME_MS: z.coerce
    .number()
    .int()
    .min(1_000)
    .default(3 * 60 * 60_000),
  /** How often open imports are checked against those bounds; an import ends at most this late. */
  IMPORT_SWEEP_MS: z.coerce.number().int().min(50).default(30_000),
  /** How often the daily schedule looks for connections due and moves open runs on; a run starts at most this late. */
  SCHEDULE_TICK_MS: z.coerce.number().int().min(50).default(30_000),
  /** A scheduled run asks NAVER again for the dates it found pending this long after its last try. */
  SCHEDULE_PENDING_RETRY_MS: z.coerce
    .number()
    .int()
    .min(1_000)
    .default(30 * 60_000),
  /**
   * A scheduled run whose import failed for a passing reason (an expired lease, a long queue, a service down) requests
   * it again this long after the failure, up to SCHEDULE_FAILED_RETRIES times before SCHEDULE_PENDING_CUTOFF_KST.
   */
  SCHEDULE_FAILED_RETRY_MS: z.coerce
    .number()
    .int()
    .min(1_000)
    .default(5 * 60_000),
  SCHEDULE_FAILED_RETRIES: z.coerce.number().int().min(0).max(10).default(2),
  /**
   * KST time (HH:MM) after which a scheduled run stops asking for pending dates: it ends with them missing and raises a
   * data-pending alert; the next day's run asks again.
   */
  SCHEDULE_PENDING_CUTOFF_KST: z
    .string()
    .regex(/^([01][0-9]|2[0-3]):[0-5][0-9]$/, 'must be HH:MM')
    .default('12:00'),
  /** How often due alert deliveries are sent to the tenants' webhooks; an alert waits at most this long for its attempt. */
  ALERT_DELIVERY_MS: z.coerce.number().int().min(50).default(5_000),
  /**
   * Attempts per alert (the receiver answering 5xx, 408 or 429, or not answering) before it is failed; retries back off
   * from 30 s doubling to 1 h, so the default 8 gives up about an hour after the first.
   */
  ALERT_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(8),
  /** A webhook must answer an attempt within this, or the attempt failed (and is retried). */
  ALERT_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(10_000),
});
export type SchedulerConfig = z.infer<typeof schedulerConfig>;
