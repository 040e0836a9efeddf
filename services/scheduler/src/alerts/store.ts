import { randomBytes, randomUUID } from 'node:crypto';
import { postgresSecretStore, type Queryable } from '@reportline/platform';
import { z } from 'zod';
import type { AlertKind } from './alert.ts';
import { type AlertPayload, shownUrl, type WebhookFormat } from './delivery-rules.ts';

export const DELIVERY_STATUSES = ['queued', 'delivered', 'failed', 'no-webhook'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export interface Webhook {
  id: string;
  /** Without the query: see shownUrl. */
  url: string;
  format: WebhookFormat;
  createdAt: string;
  updatedAt: string;
}

/** What only the delivery loop and the PUT answer see. */
const WebhookSecret = z.object({ url: z.string(), secret: z.string() });
export type WebhookSecret = z.infer<typeof WebhookSecret>;

export const webhookSecretRef = (tenantId: string) => `alert-webhook:${tenantId}`;

const iso = (d: Date | null) => (d ? d.toISOString() : null);

interface WebhookRow {
  id: string;
  url_shown: string;
  format: WebhookFormat;
  created_at: Date;
  updated_at: Date;
}
const toWebhook = (r: WebhookRow): Webhook => ({
  id: r.id,
  url: r.url_shown,
  format: r.format,
  createdAt: r.created_at.toISOString(),
  updatedAt: r.updated_at.toISOString(),
});

/**
 * Sets the tenant's webhook with a new signing secret, returned here only. The row keeps its id when replaced, so
 * alerts still queued go to the new URL: a tenant fixing a wrong URL gets the alerts that failed to reach the old one.
 */
export async function putWebhook(
  db: Queryable,
  key: Buffer,
  input: { tenantId: string; url: string; format: WebhookFormat; now: Date },
): Promise<{ webhook: Webhook; secret: string }> {
  const secret = `whsec_${randomBytes(32).toString('base64url')}`;
  await postgresSecretStore(db, key).put(webhookSecretRef(input.tenantId), { url: input.url, secret });
  const { rows } = await db.query<WebhookRow>(
    `INSERT INTO scheduler.alert_webhooks (tenant_id, id, url_shown, format, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $5)
     ON CONFLICT (tenant_id) DO UPDATE SET url_shown = EXCLUDED.url_shown, format = EXCLUDED.format,
       updated_at = EXCLUDED.updated_at
     RETURNING id, url_shown, format, created_at, updated_at`,
    [input.tenantId, randomUUID(), shownUrl(input.url), input.format, input.now],
  );
  return { webhook: toWebhook(rows[0]!), secret };
}

export async function findWebhook(db: Queryable, tenantId: string): Promise<Webhook | undefined> {
  const { rows } = await db.query<WebhookRow>(
    'SELECT id, url_shown, format, created_at, updated_at FROM scheduler.alert_webhooks WHERE tenant_id = $1',
    [tenantId],
  );
  return rows[0] && toWebhook(rows[0]);
}

/**
 * Removes the tenant's webhook and its secret; alerts still queued become no-webhook (they stay in the log, and no
 * receiver is left to take them). False when the tenant had none.
 */
export async function deleteWebhook(db: Queryable, tenantId: string): Promise<boolean> {
  const { rows } = await db.query<{ id: string }>(
    'DELETE FROM scheduler.alert_webhooks WHERE tenant_id = $1 RETURNING id',
    [tenantId],
  );
  if (!rows[0]) return false;
  await db.query(
    `UPDATE scheduler.alert_deliveries SET status = 'no-webhook', next_attempt_at = NULL
     WHERE tenant_id = $1 AND status = 'queued'`,
    [tenantId],
  );
  // The secret store has no delete; a secret outliving its webhook would be a credential nobody can see or revoke.
  await db.query('DELETE FROM platform.secrets WHERE ref = $1', [webhookSecretRef(tenantId)]);
  return true;
}

/** The webhook a delivery goes to now, with its URL and secret; undefined when it was removed meanwhile. */
export async function webhookForDelivery(
  db: Queryable,
  key: Buffer,
  webhookId: string,
): Promise<(WebhookSecret & { format: WebhookFormat; tenantId: string }) | undefined> {
  const { rows } = await db.query<{ tenant_id: string; format: WebhookFormat }>(
    'SELECT tenant_id, format FROM scheduler.alert_webhooks WHERE id = $1',
    [webhookId],
  );
  if (!rows[0]) return undefined;
  const s = await postgresSecretStore(db, key).get(webhookSecretRef(rows[0].tenant_id), WebhookSecret);
  return { ...s, format: rows[0].format, tenantId: rows[0].tenant_id };
}

/** A delivery as the log shows it. */
export interface Delivery {
  id: string;
  kind: AlertKind;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: string | null;
  lastStatusCode: number | null;
  lastError: string | null;
  createdAt: string;
  deliveredAt: string | null;
  payload: AlertPayload;
}

interface DeliveryRow {
  id: string;
  kind: AlertKind;
  status: DeliveryStatus;
  attempts: number;
  next_attempt_at: Date | null;
  last_status_code: number | null;
  last_error: string | null;
  created_at: Date;
  delivered_at: Date | null;
  payload: AlertPayload;
}
const DELIVERY_COLUMNS =
  'id, kind, status, attempts, next_attempt_at, last_status_code, last_error, created_at, delivered_at, payload';
const toDelivery = (r: DeliveryRow): Delivery => ({
  id: r.id,
  kind: r.kind,
  status: r.status,
  attempts: r.attempts,
  nextAttemptAt: iso(r.next_attempt_at),
  lastStatusCode: r.last_status_code,
  lastError: r.last_error,
  createdAt: r.created_at.toISOString(),
  deliveredAt: iso(r.delivered_at),
  payload: r.payload,
});

/** Where a page of the log ends: the last row's creation time and id (ids break ties in one millisecond). */
export interface Cursor {
  createdAt: Date;
  id: string;
}
export const encodeCursor = (d: Pick<Delivery, 'createdAt' | 'id'>) =>
  Buffer.from(`${d.createdAt}|${d.id}`, 'utf8').toString('base64url');
export function decodeCursor(s: string): Cursor | undefined {
  const [at, id, ...rest] = Buffer.from(s, 'base64url').toString('utf8').split('|');
  const createdAt = new Date(at ?? '');
  if (rest.length > 0 || !id || Number.isNaN(createdAt.getTime()) || !z.uuid().safeParse(id).success) return undefined;
  return { createdAt, id };
}

/** A page of the tenant's log, newest first, and the cursor of the next page (null on the last). */
export async function listDeliveries(
  db: Queryable,
  q: { tenantId: string; limit: number; cursor?: Cursor; status?: DeliveryStatus },
): Promise<{ deliveries: Delivery[]; nextCursor: string | null }> {
  const { rows } = await db.query<DeliveryRow>(
    `SELECT ${DELIVERY_COLUMNS} FROM scheduler.alert_deliveries
     WHERE tenant_id = $1 AND ($2::text IS NULL OR status = $2)
       AND ($3::timestamptz IS NULL OR (created_at, id) < ($3, $4::uuid))
     ORDER BY created_at DESC, id DESC LIMIT $5`,
    [q.tenantId, q.status ?? null, q.cursor?.createdAt ?? null, q.cursor?.id ?? null, q.limit + 1],
  );
  const deliveries = rows.slice(0, q.limit).map(toDelivery);
  const last = deliveries.at(-1);
  return { deliveries, nextCursor: rows.length > q.limit && last ? encodeCursor(last) : null };
}

export async function findDelivery(db: Queryable, tenantId: string, id: string): Promise<Delivery | undefined> {
  const { rows } = await db.query<DeliveryRow>(
    `SELECT ${DELIVERY_COLUMNS} FROM scheduler.alert_deliveries WHERE tenant_id = $1 AND id = $2`,
    [tenantId, id],
  );
  return rows[0] && toDelivery(rows[0]);
}
