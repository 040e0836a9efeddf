import type { ReportlineEvent } from '@reportline/contracts';
import { DUPLICATE, handleOnce, PoisonMessageError, type Pool } from '@reportline/platform';
import type { ConnectionLifecycle } from './connection-lifecycle.ts';
import { isCredentialsCheck } from './connection-store.ts';
import { evolveView } from './domain/import-view.ts';
import { connectionOfImport, loadImportForUpdate, recordImportEvent, saveImportView } from './store.ts';

export const PROJECTION = 'scheduler-projection';

/**
 * Folds one event into its import's view, exactly once per event id, and lets the connection's lifecycle react to
 * what concerns it (a credentials check answered, an import failed). A credentials check's own events (its request,
 * its lease) belong to no import. True when it folded (false: seen before).
 */
export async function project(
  pool: Pool,
  event: ReportlineEvent,
  lifecycle: Pick<ConnectionLifecycle, 'checked' | 'importFailed'>,
): Promise<boolean> {
  const done = await handleOnce(pool, PROJECTION, event.id, {
    inside: async (tx) => {
      const view = await loadImportForUpdate(tx, event.importId);
      if (!view) {
        if (event.type === 'CredentialsChecked' && (await lifecycle.checked(tx, event))) return true;
        if (await isCredentialsCheck(tx, event.importId)) return true;
        // Imports are only created through this service's API, in the same transaction as their ImportRequested.
        throw new PoisonMessageError(`event ${event.type} ${event.id} refers to unknown import ${event.importId}`);
      }
      await recordImportEvent(tx, event);
      await saveImportView(tx, evolveView(view, event));
      if (event.type === 'ImportFailed') {
        const connectionId = await connectionOfImport(tx, event.importId);
        if (connectionId) await lifecycle.importFailed(tx, event, connectionId);
      }
      return true;
    },
  });
  return done !== DUPLICATE;
}
