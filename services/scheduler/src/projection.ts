import type { ReportlineEvent } from '@reportline/contracts';
import { DUPLICATE, handleOnce, PoisonMessageError, type Pool } from '@reportline/platform';
import { evolveView } from './domain/import-view.ts';
import { loadImportForUpdate, recordImportEvent, saveImportView } from './store.ts';

export const PROJECTION = 'scheduler-projection';

/** Folds one event into its import's view, exactly once per event id. True when it did (false: seen before). */
export async function project(pool: Pool, event: ReportlineEvent): Promise<boolean> {
  const done = await handleOnce(pool, PROJECTION, event.id, {
    inside: async (tx) => {
      const view = await loadImportForUpdate(tx, event.importId);
      // Imports are only created through this service's API, in the same transaction as their ImportRequested.
      if (!view)
        throw new PoisonMessageError(`event ${event.type} ${event.id} refers to unknown import ${event.importId}`);
      await recordImportEvent(tx, event);
      await saveImportView(tx, evolveView(view, event));
      return true;
    },
  });
  return done !== DUPLICATE;
}
