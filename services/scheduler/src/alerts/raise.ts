import { randomUUID } from 'node:crypto';
import type { Clock, Queryable } from '@reportline/platform';
import type { Alert, RaiseAlert } from './alert.ts';
import { alertPayload } from './delivery-rules.ts';

/**
 * The RaiseAlert port on the delivery log: one row in the caller's transaction, queued for the tenant's webhook, or
 * 'no-webhook' when it has none (so the log still shows what would have been sent). A dedupe key seen before for the
 * tenant raises nothing.
 */
export function alertRaiser(deps: { clock: Clock }): RaiseAlert {
  return async (db, alert) => {
    await insertAlert(db, deps.clock, alert);
  };
}

/** The row of one alert; its id, or undefined when the tenant had this dedupe key already. */
export async function insertAlert(db: Queryable, clock: Clock, alert: Alert): Promise<string | undefined> {
  const id = randomUUID();
  const now = clock.now();
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO scheduler.alert_deliveries
       (id, tenant_id, webhook_id, kind, dedupe_key, payload, status, next_attempt_at, created_at)
     SELECT $1, $2, w.id, $3, $4, $5, CASE WHEN w.id IS NULL THEN 'no-webhook' ELSE 'queued' END,
       CASE WHEN w.id IS NULL THEN NULL ELSE $6::timestamptz END, $6
     FROM (SELECT 1) AS one LEFT JOIN scheduler.alert_webhooks w ON w.tenant_id = $2
     ON CONFLICT (tenant_id, dedupe_key) DO NOTHING
     RETURNING id`,
    [id, alert.tenantId, alert.kind, alert.dedupeKey, JSON.stringify(alertPayload(id, alert)), now],
  );
  return rows[0]?.id;
}
