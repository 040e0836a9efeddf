// The pure rules of webhook delivery: what is sent, how it is signed, which answers are retried and when.
import { createHmac } from 'node:crypto';
import type { Alert, AlertKind } from './alert.ts';

export const WEBHOOK_FORMATS = ['json', 'slack'] as const;
export type WebhookFormat = (typeof WEBHOOK_FORMATS)[number];

/** The body of a 'json' webhook, and what the delivery log shows of every alert. */
export interface AlertPayload {
  /** The delivery's id, also in x-reportline-delivery: a receiver dedupes on it (a lapsed claim may send twice). */
  id: string;
  kind: AlertKind;
  tenantId: string;
  connectionId: string | null;
  customerId: string | null;
  importId: string | null;
  title: string;
  message: string;
  action: string | null;
  /** ISO 8601. */
  at: string;
}

export function alertPayload(deliveryId: string, alert: Alert): AlertPayload {
  return {
    id: deliveryId,
    kind: alert.kind,
    tenantId: alert.tenantId,
    connectionId: alert.connectionId,
    customerId: alert.customerId,
    importId: alert.importId,
    title: alert.title,
    message: alert.message,
    action: alert.action,
    at: alert.at.toISOString(),
  };
}

/** Slack reads &, < and > as markup (links, mentions); a message quoting a sheet name must not ping anyone. */
const slackEscape = (s: string) => s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
/** Slack refuses a section text over 3000 characters, which would fail the delivery for good. */
const clip = (s: string, max: number) => (s.length <= max ? s : `${s.slice(0, max - 1)}…`);

/** The body for a Slack incoming webhook: `text` is the notification's fallback, `blocks` what the channel shows. */
export function slackPayload(p: AlertPayload) {
  const ids = [
    `kind \`${p.kind}\``,
    p.customerId && `customer \`${slackEscape(p.customerId)}\``,
    p.connectionId && `connection \`${p.connectionId}\``,
    p.importId && `import \`${p.importId}\``,
    `delivery \`${p.id}\``,
    p.at,
  ].filter(Boolean);
  return {
    text: clip(p.title, 3000),
    blocks: [
      {
        type: 'section',
        text: { type: 'mrkdwn', text: clip(`*${slackEscape(p.title)}*\n${slackEscape(p.message)}`, 3000) },
      },
      ...(p.action
        ? [{ type: 'section', text: { type: 'mrkdwn', text: clip(`*What to do:* ${slackEscape(p.action)}`, 3000) } }]
        : []),
      { type: 'context', elements: [{ type: 'mrkdwn', text: clip(ids.join(' · '), 3000) }] },
    ],
  };
}

/** The bytes sent for a payload in a webhook's format. */
export const webhookBody = (format: WebhookFormat, p: AlertPayload): string =>
  JSON.stringify(format === 'slack' ? slackPayload(p) : p);

/**
 * `sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">`. The timestamp is signed with the body so a captured delivery
 * cannot be replayed later under a fresh timestamp; receivers should refuse old timestamps.
 */
export function signature(secret: string, timestampSeconds: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestampSeconds}.${body}`, 'utf8').digest('hex')}`;
}

/** The headers of one attempt. */
export function deliveryHeaders(input: {
  kind: AlertKind;
  deliveryId: string;
  secret: string;
  body: string;
  now: Date;
}): Record<string, string> {
  const timestamp = Math.floor(input.now.getTime() / 1000);
  return {
    'content-type': 'application/json',
    'user-agent': 'Reportline-Alerts/1',
    'x-reportline-event': input.kind,
    'x-reportline-delivery': input.deliveryId,
    'x-reportline-timestamp': String(timestamp),
    'x-reportline-signature': signature(input.secret, timestamp, input.body),
  };
}

/** What one attempt's outcome means for the delivery. */
export type Verdict = 'delivered' | 'retry' | 'refused';

/**
 * 2xx delivered. 408, 429 and 5xx are the receiver's passing trouble: retried. Any other answer is the receiver
 * refusing this delivery (a 410 from a removed Slack hook, a 401 for a wrong secret), which no retry changes; a
 * redirect too, since it is not followed (an alert must not be sent on to a host nobody configured).
 */
export function verdictOf(status: number): Verdict {
  if (status >= 200 && status < 300) return 'delivered';
  if (status === 408 || status === 429 || status >= 500) return 'retry';
  return 'refused';
}

export const FIRST_RETRY_MS = 30_000;
export const MAX_RETRY_MS = 60 * 60_000;

/**
 * The wait after the `failedAttempts`-th failed attempt (≥ 1): 30 s doubling to at most 1 h, ±20 % jitter so the
 * alerts of one outage do not all come back at once. `random` is in [0, 1).
 */
export function retryDelayMs(failedAttempts: number, random: () => number = Math.random): number {
  const base = Math.min(FIRST_RETRY_MS * 2 ** Math.max(0, failedAttempts - 1), MAX_RETRY_MS);
  return Math.round(Math.min(base * (0.8 + 0.4 * random()), MAX_RETRY_MS));
}

export type Decision =
  | { status: 'delivered' }
  | { status: 'queued'; retryInMs: number }
  | { status: 'failed'; reason: 'refused' | 'attempts-exhausted' };

/** What the delivery becomes after its `attempts`-th attempt (counted) ended with `verdict`. */
export function decide(verdict: Verdict, attempts: number, maxAttempts: number, random?: () => number): Decision {
  if (verdict === 'delivered') return { status: 'delivered' };
  if (verdict === 'refused') return { status: 'failed', reason: 'refused' };
  if (attempts >= maxAttempts) return { status: 'failed', reason: 'attempts-exhausted' };
  return { status: 'queued', retryInMs: retryDelayMs(attempts, random) };
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/** Why `url` cannot be a webhook, or undefined when it can: https, or http to this machine only (tests, the demo). */
export function webhookUrlProblem(url: string): string | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return 'must be an absolute URL';
  }
  if (u.username || u.password) return 'must not carry a user or password; put a token in the path or query';
  if (u.protocol === 'https:') return undefined;
  if (u.protocol === 'http:' && LOOPBACK.has(u.hostname)) return undefined;
  return 'must be https (http only for localhost or 127.0.0.1)';
}

/** Scheme, host and path: what may be logged and shown of a webhook URL (its query may carry a token). */
export function shownUrl(url: string): string {
  const u = new URL(url);
  return `${u.origin}${u.pathname}${u.search ? '?…' : ''}`;
}

/** A failed attempt's error for the log: what went wrong, never the URL's query. */
export function describeFailure(err: unknown, url: string, timeoutMs: number): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } } | null;
  let text: string;
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') text = `no answer within ${timeoutMs} ms`;
  else if (e?.cause?.code) text = `${e.cause.code}: ${e.cause.message ?? e.message ?? ''}`.trim();
  else text = e?.message ?? String(err);
  return text.replaceAll(url, shownUrl(url)).slice(0, 500);
}
