import type { LayoutV1, ReportType } from '@reportline/contracts';
import type { Queryable } from '@reportline/platform';

export type ConnectionStatus = 'verifying' | 'healthy' | 'unhealthy';

/** Why a connection is unhealthy, and what its owner must do about it. */
export interface ConnectionHealth {
  code: string;
  message: string;
  action: string;
  at: string;
}

export interface Connection {
  id: string;
  tenantId: string;
  name: string | null;
  customerId: string;
  reportTypes: ReportType[];
  historyDays: number;
  spreadsheetId: string;
  sheetName: string;
  status: ConnectionStatus;
  health: ConnectionHealth | null;
  /** The running credentials check, while verifying. */
  checkId: string | null;
  /** KST wall-clock time of the daily import, HH:MM. */
  scheduleTime: string;
  pausedAt: string | null;
  layout: LayoutV1 | null;
  principalEmail: string | null;
  createdAt: string;
  updatedAt: string;
}

const iso = (d: unknown) => (d ? new Date(d as string).toISOString() : null);

const COLUMNS = `id, tenant_id, name, customer_id, report_types, history_days, spreadsheet_id, sheet_name, status,
  health_code, health_message, health_action, health_at, check_id, schedule_time, paused_at, layout, principal_email,
  created_at, updated_at`;

// biome-ignore lint/suspicious/noExplicitAny: a row as pg returns it
function toConnection(r: any): Connection {
  return {
    id: r.id,
    tenantId: r.tenant_id,
    name: r.name,
    customerId: r.customer_id,
    reportTypes: r.report_types,
    historyDays: r.history_days,
    spreadsheetId: r.spreadsheet_id,
    sheetName: r.sheet_name,
    status: r.status,
    health: r.health_code
      ? { code: r.health_code, message: r.health_message, action: r.health_action, at: iso(r.health_at)! }
      : null,
    checkId: r.check_id,
    scheduleTime: r.schedule_time,
    pausedAt: iso(r.paused_at),
    layout: r.layout,
    principalEmail: r.principal_email,
    createdAt: iso(r.created_at)!,
    updatedAt: iso(r.updated_at)!,
  };
}

export type NewConnection = Omit<Connection, 'createdAt' | 'updatedAt' | 'health' | 'pausedAt'>;

/** A new connection, created at `at` by the service's clock (the schedule compares the creation with that clock). */
export async function insertConnection(db: Queryable, c: NewConnection, at: Date): Promise<Connection> {
  const { rows } = await db.query(
    `INSERT INTO scheduler.connections (id, tenant_id, name, customer_id, report_types, history_days, spreadsheet_id,
       sheet_name, status, check_id, schedule_time, layout, principal_email, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14) RETURNING ${COLUMNS}`,
    [
      c.id,
      c.tenantId,
      c.name,
      c.customerId,
      c.reportTypes,
      c.historyDays,
      c.spreadsheetId,
      c.sheetName,
      c.status,
      c.checkId,
      c.scheduleTime,
      c.layout ? JSON.stringify(c.layout) : null,
      c.principalEmail,
      at,
    ],
  );
  return toConnection(rows[0]);
}

/**
 * A live connection by id; with `tenantId`, only that tenant's (another tenant's connection does not exist for it).
 * `forUpdate` locks the row for a change of its lifecycle.
 */
export async function findConnection(
  db: Queryable,
  id: string,
  opts: { tenantId?: string; forUpdate?: boolean } = {},
): Promise<Connection | undefined> {
  const { rows } = await db.query(
    `SELECT ${COLUMNS} FROM scheduler.connections
     WHERE id = $1 AND deleted_at IS NULL AND ($2::uuid IS NULL OR tenant_id = $2) ${opts.forUpdate ? 'FOR UPDATE' : ''}`,
    [id, opts.tenantId ?? null],
  );
  return rows[0] && toConnection(rows[0]);
}

/** The connection whose credentials check is `checkId`. */
export async function findConnectionByCheck(db: Queryable, checkId: string): Promise<Connection | undefined> {
  const { rows } = await db.query(
    `SELECT ${COLUMNS} FROM scheduler.connections WHERE check_id = $1 AND deleted_at IS NULL FOR UPDATE`,
    [checkId],
  );
  return rows[0] && toConnection(rows[0]);
}

/** A tenant's live connections, oldest first, after the cursor (the last id of the page before). */
export async function listConnections(
  db: Queryable,
  tenantId: string,
  page: { limit: number; after?: { createdAt: string; id: string } },
): Promise<Connection[]> {
  const { rows } = await db.query(
    `SELECT ${COLUMNS} FROM scheduler.connections
     WHERE tenant_id = $1 AND deleted_at IS NULL
       AND ($2::timestamptz IS NULL OR (created_at, id) > ($2::timestamptz, $3::uuid))
     ORDER BY created_at, id LIMIT $4`,
    [tenantId, page.after?.createdAt ?? null, page.after?.id ?? null, page.limit],
  );
  return rows.map(toConnection);
}

/** The customer ids of a tenant's live connections: the only lock information it may see. */
export async function tenantOwnsCustomer(db: Queryable, tenantId: string, customerId: string): Promise<boolean> {
  const { rowCount } = await db.query(
    'SELECT 1 FROM scheduler.connections WHERE tenant_id = $1 AND customer_id = $2 AND deleted_at IS NULL LIMIT 1',
    [tenantId, customerId],
  );
  return (rowCount ?? 0) > 0;
}

/** Writes every mutable field of `c` back. */
export async function saveConnection(db: Queryable, c: Connection, now: Date): Promise<Connection> {
  const { rows } = await db.query(
    `UPDATE scheduler.connections SET name = $2, report_types = $3, history_days = $4, spreadsheet_id = $5,
       sheet_name = $6, status = $7, health_code = $8, health_message = $9, health_action = $10, health_at = $11,
       check_id = $12, schedule_time = $13, paused_at = $14, layout = $15, principal_email = $16, updated_at = $17
     WHERE id = $1 RETURNING ${COLUMNS}`,
    [
      c.id,
      c.name,
      c.reportTypes,
      c.historyDays,
      c.spreadsheetId,
      c.sheetName,
      c.status,
      c.health?.code ?? null,
      c.health?.message ?? null,
      c.health?.action ?? null,
      c.health?.at ?? null,
      c.checkId,
      c.scheduleTime,
      c.pausedAt,
      c.layout ? JSON.stringify(c.layout) : null,
      c.principalEmail,
      now,
    ],
  );
  return toConnection(rows[0]);
}

/** Ends a connection: its schedule stops and it is gone from the API; its imports keep pointing at the row. */
export async function deleteConnection(db: Queryable, tenantId: string, id: string, now: Date): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE scheduler.connections SET deleted_at = $3, updated_at = $3
     WHERE id = $1 AND tenant_id = $2 AND deleted_at IS NULL`,
    [id, tenantId, now],
  );
  return rowCount === 1;
}

export async function recordCheckRequested(
  db: Queryable,
  check: { checkId: string; connectionId: string; reason: string; at: Date },
): Promise<void> {
  await db.query(
    `INSERT INTO scheduler.credential_checks (check_id, connection_id, reason, requested_at) VALUES ($1, $2, $3, $4)`,
    [check.checkId, check.connectionId, check.reason, check.at],
  );
}

export async function recordCheckAnswered(
  db: Queryable,
  checkId: string,
  answer: { ok: boolean; code: string | null; message: string | null; retryable: boolean; at: Date },
): Promise<void> {
  await db.query(
    `UPDATE scheduler.credential_checks SET answered_at = $2, ok = $3, code = $4, message = $5, retryable = $6
     WHERE check_id = $1`,
    [checkId, answer.at, answer.ok, answer.code, answer.message, answer.retryable],
  );
}

/**
 * The reason the connection's checks were asked for, and how many of its latest answered checks in a row were
 * refused for a passing reason (NAVER or the lease unavailable).
 */
export async function checkHistory(
  db: Queryable,
  connectionId: string,
  checkId: string,
): Promise<{ reason: 'created' | 'rotated' | 'resumed' | 'manual'; passingRefusals: number }> {
  const { rows } = await db.query<{ reason: string; ok: boolean | null; retryable: boolean | null; check_id: string }>(
    `SELECT check_id, reason, ok, retryable FROM scheduler.credential_checks
     WHERE connection_id = $1 AND answered_at IS NOT NULL ORDER BY requested_at DESC LIMIT 20`,
    [connectionId],
  );
  let passingRefusals = 0;
  for (const r of rows) {
    if (r.ok !== false || r.retryable !== true) break;
    passingRefusals++;
  }
  const reason = (rows.find((r) => r.check_id === checkId)?.reason ?? 'manual') as
    | 'created'
    | 'rotated'
    | 'resumed'
    | 'manual';
  return { reason, passingRefusals };
}

/** True when `id` is a credentials check this service asked for (its lease events carry the check id). */
export async function isCredentialsCheck(db: Queryable, id: string): Promise<boolean> {
  const { rowCount } = await db.query('SELECT 1 FROM scheduler.credential_checks WHERE check_id = $1', [id]);
  return (rowCount ?? 0) > 0;
}
