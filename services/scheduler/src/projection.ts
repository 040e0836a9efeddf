import type { ReportlineEvent } from '@reportline/contracts';
import { claimEvent, PoisonMessageError, type Pool, withTransaction } from '@reportline/platform';
import { evolveView } from './domain/import-view.ts';
import { loadImportForUpdate, saveImportView } from './store.ts';

export const PROJECTION = 'scheduler-projection';

/** Folds one event into its import's view, exactly once per event id. */
export async function project(pool: Pool, event: ReportlineEvent): Promise<void> {
  await withTransaction(pool, async (tx) => {
    if (!(await claimEvent(tx, PROJECTION, event.id))) return;
    const view = await loadImportForUpdate(tx, event.importId);
    // Imports are only created through this service's API, in the same transaction as their ImportRequested.
    if (!view)
      throw new PoisonMessageError(`event ${event.type} ${event.id} refers to unknown import ${event.importId}`);
    await tx.query(
      'INSERT INTO scheduler.import_events (event_id, import_id, type, time, event) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING',
      [event.id, event.importId, event.type, event.time, JSON.stringify(event)],
    );
    await saveImportView(tx, evolveView(view, event));
  });
}
