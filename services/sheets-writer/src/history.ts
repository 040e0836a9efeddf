import type { EventOfType } from '@reportline/contracts';
import { DependencyUnavailableError, type Queryable } from '@reportline/platform';

/**
 * How many days of history each import keeps in its tab, as its ImportRequested asked (v2 `historyDays`). The writer
 * reads the imports topic for it, as the processor does for layouts: the rows carry no history length of their own.
 */
export interface HistorySource {
  /** The import's history length; undefined when its request names none (v1): the writer's default applies. */
  historyDaysOf(importId: string): Promise<number | undefined>;
}

/** The history an import's request asks for: v2 names one; v1 none (the writer's default). Pure. */
export function requestedHistoryDays(event: EventOfType<'ImportRequested'>): number | null {
  return event.version === 2 ? event.data.historyDays : null;
}

/** The history length to keep: the import's own, else the writer's default (which may be none: keep every day). */
export function historyDaysFor(requested: number | undefined, fallback: number | undefined): number | undefined {
  return requested ?? fallback;
}

/**
 * Keeps the history length of an ImportRequested; a redelivered request changes nothing. Stamped `at` by the service's
 * clock, the clock `forgetOldHistory`'s cut-off comes from: Postgres' now() would be days behind a simulated clock and
 * the entry forgotten before the import's rows arrive.
 */
export async function recordImportHistory(
  db: Queryable,
  event: EventOfType<'ImportRequested'>,
  at: Date,
): Promise<void> {
  await db.query(
    `INSERT INTO sheets.import_history (import_id, history_days, recorded_at) VALUES ($1, $2, $3)
     ON CONFLICT (import_id) DO NOTHING`,
    [event.importId, requestedHistoryDays(event), at],
  );
}

/**
 * The history lengths as the imports asked for them. An import whose request this writer has not read yet (the
 * imports topic is consumed apart from the rows topic, so it can lag behind by moments) is waited for as an
 * unavailable dependency, bounded by the failure policy's maximum, after which the import fails: never guessed,
 * since a guess too short would delete days the user keeps.
 */
export function storedHistory(db: Queryable): HistorySource {
  return {
    async historyDaysOf(importId) {
      const { rows } = await db.query<{ history_days: number | null }>(
        'SELECT history_days FROM sheets.import_history WHERE import_id = $1',
        [importId],
      );
      if (rows.length === 0) {
        throw new DependencyUnavailableError(
          'imports topic',
          `the ImportRequested of import ${importId} has not been read yet`,
        );
      }
      return rows[0]!.history_days ?? undefined;
    },
  };
}

/** History lengths of imports that ended long ago are of no use: kept this long, then deleted. */
export async function forgetOldHistory(db: Queryable, olderThan: Date): Promise<number> {
  const { rowCount } = await db.query('DELETE FROM sheets.import_history WHERE recorded_at < $1', [olderThan]);
  return rowCount ?? 0;
}
