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
 * A new import with its ImportRequested, in one transaction: the row, the event in the outbox and the timeline, and
 * the event marked handled by the projection (the view already holds it). False when another request with the same
 * idempotency key won the race (nothing is written then).
 */
export async function saveRequestedImport(
  pool: Pool,
  r: {
    view: ImportView;
    requested: ReportlineEvent;
    connectionId: string;
    idempotencyKey: string | null;
    requestedAt: Date;
    projection: string;
    service: string;
  },
): Promise<boolean> {
  return withTransaction(pool, async (tx) => {
    if (!(await insertImport(tx, r))) return false;
    await claimEvent(tx, r.projection, r.requested.id);
    await recordImportEvent(tx, r.requested);
    await appendToOutbox(tx, r.service, [r.requested]);
    return true;
  });
}

export async function loadImportForUpdate(db: Queryable, importId: string): Promise<ImportView | undefined> {
  const { rows } = await db.query<{ view: ImportView }>(
    'SELECT view FROM scheduler.imports WHERE import_id = $1 FOR UPDATE',
    [importId],
  );
  return rows[0] && storedView(rows[0].view);
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
     WHERE status NOT IN ('completed', 'failed') AND overdue_at IS NULL
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

export async function findImport(db: Queryable, importId: string): Promise<ImportView | undefined> {
  const { rows } = await db.query<{ view: ImportView }>('SELECT view FROM scheduler.imports WHERE import_id = $1', [
    importId,
  ]);
  return rows[0] && storedView(rows[0].view);
}

export async function listImports(db: Queryable, connectionId: string, limit: number): Promise<ImportView[]> {
  const { rows } = await db.query<{ view: ImportView }>(
    'SELECT view FROM scheduler.imports WHERE connection_id = $1 ORDER BY requested_at DESC LIMIT $2',
    [connectionId, limit],
  );
  return rows.map((r) => storedView(r.view));
}
