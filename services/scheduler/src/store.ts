import type { ReportlineEvent, ReportType } from '@reportline/contracts';
import { appendToOutbox, claimEvent, type Pool, type Queryable, withTransaction } from '@reportline/platform';
import type { ImportCandidate } from './domain/coalesce.ts';
import type { ImportCursor } from './domain/import-cursor.ts';
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

/** Filters of GET /imports; every one optional but the tenant. */
export interface ImportListQuery {
  tenantId?: string;
  connectionId?: string;
  status?: ImportView['status'];
  /** requestedAt bounds: from inclusive, to exclusive. */
  from?: string;
  to?: string;
  limit: number;
  after?: ImportCursor;
}

/**
 * A page of imports, newest first, and the cursor after its last one (null on the last page). Ordered by
 * (requested_at, import_id), both in the keyset, so a page never repeats or skips an import whatever is inserted.
 */
export async function listImportsPage(
  db: Queryable,
  q: ImportListQuery,
): Promise<{ items: ImportView[]; next: ImportCursor | null }> {
  const { rows } = await db.query<{ view: ImportView; import_id: string; micros: string }>(
    `SELECT i.view, i.import_id, (extract(epoch FROM i.requested_at) * 1000000)::bigint::text AS micros
     FROM scheduler.imports i JOIN scheduler.connections c ON c.id = i.connection_id
     WHERE ($1::uuid IS NULL OR c.tenant_id = $1)
       AND ($2::uuid IS NULL OR i.connection_id = $2)
       AND ($3::text IS NULL OR i.status = $3)
       AND ($4::timestamptz IS NULL OR i.requested_at >= $4)
       AND ($5::timestamptz IS NULL OR i.requested_at < $5)
       AND ($6::bigint IS NULL
            OR (i.requested_at, i.import_id) < (timestamptz 'epoch' + $6::bigint * interval '1 microsecond', $7::uuid))
     ORDER BY i.requested_at DESC, i.import_id DESC LIMIT $8`,
    [
      q.tenantId ?? null,
      q.connectionId ?? null,
      q.status ?? null,
      q.from ?? null,
      q.to ?? null,
      q.after?.micros ?? null,
      q.after?.importId ?? null,
      q.limit + 1,
    ],
  );
  const page = rows.slice(0, q.limit);
  const last = page.at(-1);
  return {
    items: page.map((r) => storedView(r.view)),
    next: rows.length > q.limit && last ? { micros: last.micros, importId: last.import_id } : null,
  };
}

/** A connection's imports, newest first (GET /connections/:id/imports). */
export async function listImports(
  db: Queryable,
  connectionId: string,
  limit: number,
  tenantId?: string,
): Promise<ImportView[]> {
  return (await listImportsPage(db, { connectionId, limit, tenantId })).items;
}

// Advisory lock keys of this module: (namespace, hash of the connection id).
const COALESCE_LOCK = 0x1e12;

/**
 * Serialises the decisions on one connection's new imports until the transaction ends: two identical requests at
 * once then see each other's import, and only one is created. Takes no row lock the connection's lifecycle would wait on.
 */
export async function lockImportRequests(tx: Queryable, connectionId: string): Promise<void> {
  await tx.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [COALESCE_LOCK, connectionId]);
}

/** The connection's imports not yet completed or failed, with what each asked for (from its ImportRequested). */
export async function openImportsOf(tx: Queryable, connectionId: string): Promise<ImportCandidate[]> {
  const { rows } = await tx.query<{
    import_id: string;
    status: ImportView['status'];
    requested_at: Date;
    ending: boolean;
    data: { dateRange: { from: string; to: string }; reportTypes: ReportType[] } | null;
  }>(
    `SELECT i.import_id, i.status, i.requested_at, i.overdue_at IS NOT NULL AS ending,
            COALESCE(i.held, e.event)->'data' AS data
     FROM scheduler.imports i
     LEFT JOIN scheduler.import_events e ON e.import_id = i.import_id AND e.type = 'ImportRequested'
     WHERE i.connection_id = $1 AND i.status NOT IN ('completed', 'failed')`,
    [connectionId],
  );
  return rows.flatMap((r) =>
    r.data
      ? [
          {
            importId: r.import_id,
            status: r.status,
            requestedAt: r.requested_at.toISOString(),
            ending: r.ending,
            dateRange: r.data.dateRange,
            reportTypes: r.data.reportTypes,
          },
        ]
      : [],
  );
}

/** An import of the tenant, locked, with its held request (null once published). */
export async function loadTenantImportForUpdate(
  tx: Queryable,
  importId: string,
  tenantId: string,
): Promise<{ view: ImportView; held: ReportlineEvent | null; overdue: boolean } | undefined> {
  const { rows } = await tx.query<{ view: ImportView; held: ReportlineEvent | null; overdue: boolean }>(
    `SELECT i.view, i.held, i.overdue_at IS NOT NULL AS overdue
     FROM scheduler.imports i JOIN scheduler.connections c ON c.id = i.connection_id
     WHERE i.import_id = $1 AND c.tenant_id = $2 FOR UPDATE OF i`,
    [importId, tenantId],
  );
  const row = rows[0];
  return row && { view: storedView(row.view), held: row.held, overdue: row.overdue };
}

export async function clearHeld(tx: Queryable, importId: string): Promise<void> {
  await tx.query('UPDATE scheduler.imports SET held = NULL WHERE import_id = $1', [importId]);
}
