import type { Queryable } from '@reportline/platform';
import { type ImportView, storedView } from './domain/import-view.ts';
import type { PendingReport, RunOutcome, ScheduledConnection, ScheduledRun } from './domain/schedule.ts';

/** A connection as the schedule sees it, deleted or not: a run of a deleted connection must learn it stopped. */
export type ScheduleConnection = ScheduledConnection & {
  id: string;
  tenantId: string;
  customerId: string;
  sheetName: string;
};

export interface RunKey {
  connectionId: string;
  runDay: string;
}

const iso = (d: unknown) => (d ? new Date(d as string).toISOString() : null);

// Dates are read as text: pg would turn a `date` into a local-time Date, shifting the day on a non-UTC host.
const CONNECTION_COLUMNS = `c.id, c.tenant_id, c.customer_id, c.sheet_name, c.status, c.schedule_time, c.paused_at,
  c.deleted_at, c.created_at`;

// biome-ignore lint/suspicious/noExplicitAny: a row as pg returns it
function toConnection(r: any): ScheduleConnection {
  return {
    id: r.id,
    tenantId: r.tenant_id,
    customerId: r.customer_id,
    sheetName: r.sheet_name,
    status: r.status,
    scheduleTime: r.schedule_time,
    pausedAt: iso(r.paused_at),
    deletedAt: iso(r.deleted_at),
    createdAt: iso(r.created_at)!,
  };
}

/**
 * Connections that may have a run due, with their latest run day: a prefilter of domain/schedule.ts `dueRunDay` (which
 * decides), so connections already run today, or waiting for their first day, are not read every tick. `today`,
 * `yesterday` and `hhmm` are the KST day and wall-clock time of now.
 */
export async function dueCandidates(
  db: Queryable,
  now: { today: string; yesterday: string; hhmm: string },
  limit: number,
): Promise<Array<ScheduleConnection & { lastRunDay: string | null }>> {
  const { rows } = await db.query(
    `WITH candidates AS (
       SELECT ${CONNECTION_COLUMNS},
         CASE WHEN c.schedule_time <= $3 THEN $1::date ELSE $2::date END AS due_day
       FROM scheduler.connections c
       WHERE c.deleted_at IS NULL AND c.paused_at IS NULL AND c.status = 'healthy')
     SELECT c.*,
       (SELECT to_char(max(r.run_day), 'YYYY-MM-DD') FROM scheduler.scheduled_runs r WHERE r.connection_id = c.id)
         AS last_run_day
     FROM candidates c
     WHERE NOT EXISTS (SELECT 1 FROM scheduler.scheduled_runs r WHERE r.connection_id = c.id AND r.run_day >= c.due_day)
       AND c.created_at <= ((c.due_day + c.schedule_time::time) - interval '9 hours') AT TIME ZONE 'UTC'
     ORDER BY c.id LIMIT $4`,
    [now.today, now.yesterday, now.hhmm, limit],
  );
  return rows.map((r) => ({ ...toConnection(r), lastRunDay: r.last_run_day }));
}

/** Stores a run; false when it exists already (another instance, or an earlier tick, started it). */
export async function insertRun(db: Queryable, key: RunKey, now: Date): Promise<boolean> {
  const { rowCount } = await db.query(
    `INSERT INTO scheduler.scheduled_runs (connection_id, run_day, created_at) VALUES ($1, $2, $3)
     ON CONFLICT DO NOTHING`,
    [key.connectionId, key.runDay, now],
  );
  return rowCount === 1;
}

/**
 * Open runs with something to decide: no scheduled import yet, or their latest import ended. Runs whose latest import
 * is still running are left out until it ends. Longest untried first, so runs due for a retry come before the rest.
 */
export async function openRuns(db: Queryable, limit: number): Promise<RunKey[]> {
  const { rows } = await db.query(
    `SELECT r.connection_id, to_char(r.run_day, 'YYYY-MM-DD') AS run_day
     FROM scheduler.scheduled_runs r
     LEFT JOIN scheduler.imports i ON i.import_id = COALESCE(r.retry_import_ids[r.retries], r.import_id)
     WHERE r.ended_at IS NULL AND (r.import_id IS NULL OR i.status IN ('completed', 'failed'))
     ORDER BY COALESCE(r.last_retry_at, r.created_at) LIMIT $1`,
    [limit],
  );
  return rows.map((r) => ({ connectionId: r.connection_id, runDay: r.run_day }));
}

/** Locks an open run for deciding on it; undefined when it ended or another instance is deciding on it right now. */
export async function lockRun(
  db: Queryable,
  key: RunKey,
): Promise<(ScheduledRun & { importIds: string[] }) | undefined> {
  const { rows } = await db.query(
    `SELECT to_char(run_day, 'YYYY-MM-DD') AS run_day, created_at, import_id, retries, retry_import_ids, last_retry_at,
       ended_at
     FROM scheduler.scheduled_runs WHERE connection_id = $1 AND run_day = $2 AND ended_at IS NULL
     FOR UPDATE SKIP LOCKED`,
    [key.connectionId, key.runDay],
  );
  const r = rows[0];
  if (!r) return undefined;
  return {
    runDay: r.run_day,
    startedAt: new Date(r.created_at),
    importId: r.import_id,
    retries: r.retries,
    lastRetryAt: r.last_retry_at ? new Date(r.last_retry_at) : null,
    endedAt: r.ended_at ? new Date(r.ended_at) : null,
    importIds: r.import_id ? [r.import_id, ...r.retry_import_ids] : [],
  };
}

/** The views of a run's imports, in the order of `importIds`. */
export async function runViews(db: Queryable, importIds: string[]): Promise<ImportView[]> {
  if (importIds.length === 0) return [];
  const { rows } = await db.query<{ view: ImportView }>(
    `SELECT i.view FROM unnest($1::uuid[]) WITH ORDINALITY AS a(import_id, n)
     JOIN scheduler.imports i ON i.import_id = a.import_id ORDER BY a.n`,
    [importIds],
  );
  return rows.map((r) => storedView(r.view));
}

export async function scheduleConnection(db: Queryable, id: string): Promise<ScheduleConnection | undefined> {
  const { rows } = await db.query(`SELECT ${CONNECTION_COLUMNS} FROM scheduler.connections c WHERE c.id = $1`, [id]);
  return rows[0] && toConnection(rows[0]);
}

export async function setScheduledImport(db: Queryable, key: RunKey, importId: string): Promise<void> {
  await db.query('UPDATE scheduler.scheduled_runs SET import_id = $3 WHERE connection_id = $1 AND run_day = $2', [
    key.connectionId,
    key.runDay,
    importId,
  ]);
}

export async function recordRetry(db: Queryable, key: RunKey, importId: string, now: Date): Promise<void> {
  await db.query(
    `UPDATE scheduler.scheduled_runs
     SET retries = retries + 1, retry_import_ids = array_append(retry_import_ids, $3), last_retry_at = $4
     WHERE connection_id = $1 AND run_day = $2`,
    [key.connectionId, key.runDay, importId, now],
  );
}

export async function endRun(
  db: Queryable,
  key: RunKey,
  outcome: RunOutcome,
  missing: PendingReport[] | null,
  now: Date,
): Promise<void> {
  await db.query(
    `UPDATE scheduler.scheduled_runs SET outcome = $3, missing = $4, ended_at = $5
     WHERE connection_id = $1 AND run_day = $2`,
    [key.connectionId, key.runDay, outcome, missing ? JSON.stringify(missing) : null, now],
  );
}
