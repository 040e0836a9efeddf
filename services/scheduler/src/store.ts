import type { ReportlineEvent } from '@reportline/contracts';
import { appendToOutbox, claimEvent, type Pool, type Queryable, withTransaction } from '@reportline/platform';
import { type ImportView, storedView } from './domain/import-view.ts';
import { lastProgressAt } from './domain/stall.ts';

export async function findImportByIdempotencyKey(
  db: Queryable,
  connectionId: string,
  key: string,
): Promise<ImportView | undefined> {
  const { rows } = await db.query<{ view: ImportView }>(
    'SELECT view FROM scheduler.imports WHERE connection_id = $1 AND idempotency_key = $2',
    [connectionId, key],
  );
  return rows[0] && storedView(rows[0].view);
}

/** Inserts a new import; false when another request with the same idempotency key won the race. */
export async function insertImport(
  db: Queryable,
  row: { view: ImportView; connectionId: string; idempotencyKey: string | null; requestedAt: Date },
): Promise<boolean> {
  const { rowCount } = await db.query(
    `INSERT INTO scheduler.imports
       (import_id, connection_id, customer_id, idempotency_key, status, view, requested_at, progress_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $7)
     ON CONFLICT (connection_id, idempotency_key) DO NOTHING`,
    [
      row.view.importId,
      row.connectionId,
      row.view.customerId,
      row.idempotencyKey,
      row.view.status,
      row.view,
      row.requestedAt,
    ],
  );
  return rowCount === 1;
}

/** Every event of an import, once, for its timeline and to rebuild its view. */
export async function recordImportEvent(db: Queryable, event: ReportlineEvent): Promise<void> {
  await db.query(
    `INSERT INTO scheduler.import_events (event_id, import_id, type, time, event) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT DO NOTHING`,
    [event.id, event.importId, event.type, event.time, JSON.stringify(event)],
  );
}

/**
 * A new import with its ImportRequested, in the caller's transaction: the row, the event in the outbox and the
 * timeline, and the event marked handled by the projection (the view already holds it). A `held` import (its
 * connection is still verifying) keeps its event on the row instead of the outbox until the check is answered. False
 * when another request with the same idempotency key won the race (nothing is written then).
 */
export async function saveRequestedImportIn(
  tx: Queryable,
  r: {
    view: ImportView;
    requested: ReportlineEvent;
    connectionId: string;
    idempotencyKey: string | null;
    requestedAt: Date;
    projection: string;
    service: string;
    held?: boolean;
  },
): Promise<boolean> {
  if (!(await insertImport(tx, r))) return false;
  await claimEvent(tx, r.projection, r.requested.id);
  await recordImportEvent(tx, r.requested);
  // The check may have been answered since the caller looked: decide on the connection as locked here, so this
  // import cannot miss the release of the held ones.
  const held =
    r.held &&
    (
      await tx.query<{ status: string }>('SELECT status FROM scheduler.connections WHERE id = $1 FOR SHARE', [
        r.connectionId,
      ])
    ).rows[0]?.status === 'verifying';
  if (held) {
    await tx.query('UPDATE scheduler.imports SET held = $2 WHERE import_id = $1', [
      r.view.importId,
      JSON.stringify(r.requested),
    ]);
  } else {
    await appendToOutbox(tx, r.service, [r.requested]);
  }
  return true;
}

export const saveRequestedImport = (pool: Pool, r: Parameters<typeof saveRequestedImportIn>[1]) =>
  withTransaction(pool, (tx) => saveRequestedImportIn(tx, r));

/** Takes the held ImportRequested events of a connection off their rows (the caller publishes or fails them). */
export async function takeHeldImports(db: Queryable, connectionId: string): Promise<ReportlineEvent[]> {
  const { rows } = await db.query<{ held: ReportlineEvent }>(
    // RETURNING sees the new row: the held event is read from the row as it was, locked.
    `UPDATE scheduler.imports i SET held = NULL
     FROM (SELECT import_id, held FROM scheduler.imports WHERE connection_id = $1 AND held IS NOT NULL FOR UPDATE) old
     WHERE i.import_id = old.import_id RETURNING old.held`,
    [connectionId],
  );
  return rows.map((r) => r.held);
}

export async function loadImportForUpdate(db: Queryable, importId: string): Promise<ImportView | undefined> {
  const { rows } = await db.query<{ view: ImportView }>(
    'SELECT view FROM scheduler.imports WHERE import_id = $1 FOR UPDATE',
    [importId],
  );
  return rows[0] && storedView(rows[0].view);
}

export async function connectionOfImport(db: Queryable, importId: string): Promise<string | undefined> {
  const { rows } = await db.query<{ connection_id: string }>(
    'SELECT connection_id FROM scheduler.imports WHERE import_id = $1',
    [importId],
  );
  return rows[0]?.connection_id;
}

export async function saveImportView(db: Queryable, view: ImportView): Promise<void> {
  await db.query(
    `UPDATE scheduler.imports SET view = $2, status = $3, progress_at = COALESCE($4, progress_at), updated_at = now()
     WHERE import_id = $1`,
    [view.importId, view, view.status, lastProgressAt(view)],
  );
}

/**
 * domain/stall.ts `waitingForLease` as a filter, so imports waiting in the lock queue (exempt from the stall rule) do
 * not crowd the candidates out.
 */
const WAITING_FOR_LEASE = `((view->'steps' @> '[{"type":"LeaseRequested"}]' OR view->'steps' @> '[{"type":"LockQueued"}]')
  AND NOT view->'steps' @> '[{"type":"LockGranted"}]')`;

/**
 * Open imports that may have passed a bound (domain/stall.ts decides on each view), oldest first. Rows the sweep
 * already ended are left out until their ImportFailed is folded in.
 */
export async function overdueCandidates(
  db: Queryable,
  cut: { ack: Date; stall: Date; lifetime: Date },
  limit: number,
): Promise<string[]> {
  const { rows } = await db.query<{ import_id: string }>(
    `SELECT import_id FROM scheduler.imports
     WHERE status NOT IN ('completed', 'failed') AND overdue_at IS NULL AND held IS NULL
       AND (requested_at < $3
            OR (status = 'requested' AND requested_at < $1)
            OR (status <> 'requested' AND progress_at < $2 AND NOT ${WAITING_FOR_LEASE}))
     ORDER BY requested_at LIMIT $4`,
    [cut.ack, cut.stall, cut.lifetime, limit],
  );
  return rows.map((r) => r.import_id);
}

export async function markOverdue(db: Queryable, importId: string): Promise<void> {
  await db.query('UPDATE scheduler.imports SET overdue_at = now() WHERE import_id = $1', [importId]);
}

/** An import; with `tenantId`, only one of that tenant's connections (another tenant's does not exist for it). */
export async function findImport(db: Queryable, importId: string, tenantId?: string): Promise<ImportView | undefined> {
  const { rows } = await db.query<{ view: ImportView }>(
    `SELECT i.view FROM scheduler.imports i JOIN scheduler.connections c ON c.id = i.connection_id
     WHERE i.import_id = $1 AND ($2::uuid IS NULL OR c.tenant_id = $2)`,
    [importId, tenantId ?? null],
  );
  return rows[0] && storedView(rows[0].view);
}

export async function listImports(
  db: Queryable,
  connectionId: string,
  limit: number,
  tenantId?: string,
): Promise<ImportView[]> {
  const { rows } = await db.query<{ view: ImportView }>(
    `SELECT i.view FROM scheduler.imports i JOIN scheduler.connections c ON c.id = i.connection_id
     WHERE i.connection_id = $1 AND ($3::uuid IS NULL OR c.tenant_id = $3) ORDER BY i.requested_at DESC LIMIT $2`,
    [connectionId, limit, tenantId ?? null],
  );
  return rows.map((r) => storedView(r.view));
}
