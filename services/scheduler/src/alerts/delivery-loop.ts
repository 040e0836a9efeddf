import type { Clock, Logger, Pool } from '@reportline/platform';
import { every } from '@reportline/platform';
import type { AlertKind } from './alert.ts';
import {
  type AlertPayload,
  decide,
  deliveryHeaders,
  describeFailure,
  shownUrl,
  type Verdict,
  verdictOf,
  webhookBody,
} from './delivery-rules.ts';
import { webhookForDelivery } from './store.ts';

/** The part of `fetch` the loop uses; tests pass their own, the app the global one. */
export type FetchLike = (
  url: string,
  init: {
    method: 'POST';
    headers: Record<string, string>;
    body: string;
    signal: AbortSignal;
    redirect: 'manual';
  },
) => Promise<{ status: number; body: ReadableStream<Uint8Array> | null }>;

export interface AlertDeliveryDeps {
  pool: Pool;
  clock: Clock;
  logger: Logger;
  /** SECRETS_KEY: webhook URLs and signing secrets are stored encrypted with it. */
  secretsKey: Buffer;
  maxAttempts: number;
  timeoutMs: number;
  fetch?: FetchLike;
  /** For the retry jitter; [0, 1). */
  random?: () => number;
  batchSize?: number;
}

/**
 * How long a claimed attempt keeps other instances off its row: past its timeout, so only an attempt whose process
 * died is tried again (at least once, then: receivers dedupe on x-reportline-delivery).
 */
const claimMs = (timeoutMs: number) => timeoutMs + 60_000;

interface Claimed {
  id: string;
  tenant_id: string;
  webhook_id: string | null;
  kind: AlertKind;
  payload: AlertPayload;
  attempts: number;
}

/**
 * Claims due deliveries and makes one attempt at each. The claim is one statement (FOR UPDATE SKIP LOCKED, then the
 * attempt counted and the row pushed past the attempt's end), so no transaction is open while a receiver answers and
 * two instances never claim one row. Returns how many attempts were made.
 */
export async function deliverDueAlerts(deps: AlertDeliveryDeps, signal?: AbortSignal): Promise<number> {
  const now = deps.clock.now();
  // A row whose last attempt was claimed but never reported (its process died) and that has no attempt left.
  await deps.pool.query(
    `UPDATE scheduler.alert_deliveries SET status = 'failed', next_attempt_at = NULL,
       last_error = COALESCE(last_error || '; ', '') || 'the last attempt never reported back (its scheduler stopped)'
         || ' (gave up after ' || attempts || ' attempts)'
     WHERE status = 'queued' AND next_attempt_at <= $1 AND attempts >= $2`,
    [now, deps.maxAttempts],
  );
  const { rows } = await deps.pool.query<Claimed>(
    `WITH due AS (
       SELECT id FROM scheduler.alert_deliveries
       WHERE status = 'queued' AND next_attempt_at <= $1 AND attempts < $2
       ORDER BY next_attempt_at LIMIT $3 FOR UPDATE SKIP LOCKED)
     UPDATE scheduler.alert_deliveries d SET attempts = d.attempts + 1, next_attempt_at = $4
     FROM due WHERE d.id = due.id
     RETURNING d.id, d.tenant_id, d.webhook_id, d.kind, d.payload, d.attempts`,
    [now, deps.maxAttempts, deps.batchSize ?? 20, new Date(now.getTime() + claimMs(deps.timeoutMs))],
  );
  const settled = await Promise.allSettled(rows.map((row) => attempt(deps, row, signal)));
  const failed = settled.find((s) => s.status === 'rejected');
  if (failed) throw failed.reason;
  return rows.length;
}

/** Reads at most ~1 KB of an error answer for the log (Slack says why it refuses there), then lets the rest go. */
async function someOf(body: ReadableStream<Uint8Array> | null): Promise<string> {
  if (!body) return '';
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let bytes = 0;
  try {
    while (bytes < 1024) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      bytes += value.length;
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  return Buffer.concat(chunks).toString('utf8').slice(0, 300).replace(/\s+/g, ' ').trim();
}

async function attempt(deps: AlertDeliveryDeps, row: Claimed, stop?: AbortSignal): Promise<void> {
  const log = { deliveryId: row.id, tenantId: row.tenant_id, kind: row.kind, attempt: row.attempts };
  let webhook: Awaited<ReturnType<typeof webhookForDelivery>>;
  try {
    webhook = row.webhook_id ? await webhookForDelivery(deps.pool, deps.secretsKey, row.webhook_id) : undefined;
  } catch (err) {
    // A secret that cannot be read (another SECRETS_KEY): counted as a failed attempt, so it ends as failed in time.
    deps.logger.error({ ...log, err }, 'cannot read the webhook of an alert');
    return record(deps, row, 'retry', null, err instanceof Error ? err.message : String(err), undefined);
  }
  if (!webhook) {
    await deps.pool.query(
      `UPDATE scheduler.alert_deliveries SET status = 'no-webhook', next_attempt_at = NULL
       WHERE id = $1 AND attempts = $2 AND status = 'queued'`,
      [row.id, row.attempts],
    );
    return;
  }
  const body = webhookBody(webhook.format, row.payload);
  const headers = deliveryHeaders({
    kind: row.kind,
    deliveryId: row.id,
    secret: webhook.secret,
    body,
    now: deps.clock.now(),
  });
  const fetch = deps.fetch ?? (globalThis.fetch as FetchLike);
  let verdict: Verdict;
  let statusCode: number | null = null;
  let error: string | null = null;
  try {
    const timeout = AbortSignal.timeout(deps.timeoutMs);
    const res = await fetch(webhook.url, {
      method: 'POST',
      headers,
      body,
      signal: stop ? AbortSignal.any([timeout, stop]) : timeout,
      redirect: 'manual',
    });
    statusCode = res.status;
    verdict = verdictOf(res.status);
    if (verdict === 'delivered') await res.body?.cancel().catch(() => {});
    else {
      const said = await someOf(res.body).catch(() => '');
      error = `HTTP ${res.status}${said ? `: ${said}` : ''}`;
    }
  } catch (err) {
    verdict = 'retry';
    error = stop?.aborted
      ? 'the scheduler stopped during the attempt'
      : describeFailure(err, webhook.url, deps.timeoutMs);
  }
  await record(deps, row, verdict, statusCode, error, shownUrl(webhook.url));
}

async function record(
  deps: AlertDeliveryDeps,
  row: Claimed,
  verdict: Verdict,
  statusCode: number | null,
  error: string | null,
  webhook: string | undefined,
): Promise<void> {
  const now = deps.clock.now();
  const next = decide(verdict, row.attempts, deps.maxAttempts, deps.random);
  await deps.pool.query(
    `UPDATE scheduler.alert_deliveries
     SET status = $3, next_attempt_at = $4, last_status_code = $5, last_error = $6, delivered_at = $7
     WHERE id = $1 AND attempts = $2 AND status = 'queued'`,
    [
      row.id,
      row.attempts,
      next.status,
      next.status === 'queued' ? new Date(now.getTime() + next.retryInMs) : null,
      statusCode,
      next.status === 'failed' && next.reason === 'attempts-exhausted'
        ? `${error} (gave up after ${row.attempts} attempts)`
        : error,
      next.status === 'delivered' ? now : null,
    ],
  );
  const fields = {
    deliveryId: row.id,
    tenantId: row.tenant_id,
    kind: row.kind,
    attempt: row.attempts,
    webhook,
    statusCode,
    error,
  };
  if (next.status === 'delivered') deps.logger.info(fields, 'alert delivered');
  else if (next.status === 'queued')
    deps.logger.warn({ ...fields, retryInMs: next.retryInMs }, 'alert delivery failed; will retry');
  else deps.logger.warn({ ...fields, reason: next.reason }, 'alert delivery failed for good');
}

// The loops started per pool, so POST /alerts/test can have its alert sent now rather than at the next interval.
const nudges = new WeakMap<Pool, () => void>();

/** Runs the delivery loop of `pool` at once (no-op when none runs in this process). */
export const nudgeAlertDelivery = (pool: Pool) => nudges.get(pool)?.();

/** The loop's settings from the scheduler config (SchedulerConfig fits). */
export const alertDeliveryOptions = (config: {
  SECRETS_KEY: Buffer;
  ALERT_MAX_ATTEMPTS: number;
  ALERT_TIMEOUT_MS: number;
  ALERT_DELIVERY_MS: number;
}) => ({
  secretsKey: config.SECRETS_KEY,
  maxAttempts: config.ALERT_MAX_ATTEMPTS,
  timeoutMs: config.ALERT_TIMEOUT_MS,
  everyMs: config.ALERT_DELIVERY_MS,
});

/** Delivers due alerts every `everyMs` (at once again after a full batch) until stopped. Returns the stop function. */
export function startAlertDelivery(deps: AlertDeliveryDeps & { everyMs: number }): () => Promise<void> {
  const stop = new AbortController();
  const batch = deps.batchSize ?? 20;
  const loop = every(
    deps.everyMs,
    async (signal) => ((await deliverDueAlerts(deps, signal)) >= batch ? 'again' : undefined),
    { signal: stop.signal, onError: (err) => deps.logger.error({ err }, 'alert delivery round failed; retrying') },
  );
  nudges.set(deps.pool, loop.nudge);
  return async () => {
    stop.abort();
    if (nudges.get(deps.pool) === loop.nudge) nudges.delete(deps.pool);
    await loop.done;
  };
}
