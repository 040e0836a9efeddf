import { ImportFailedV1, makeEvent } from '@reportline/contracts';
import {
  appendToOutbox,
  type Clock,
  claimEvent,
  type OutboxRelay,
  type Pool,
  type Queryable,
  withTransaction,
} from '@reportline/platform';
import { SERVICE } from './connection-lifecycle.ts';
import { whyNotCancellable } from './domain/cancel.ts';
import { evolveView, type ImportView } from './domain/import-view.ts';
import { PROJECTION } from './projection.ts';
import { clearHeld, loadTenantImportForUpdate, recordImportEvent, saveImportView } from './store.ts';

export type CancelImportResult =
  | { kind: 'cancelled'; view: ImportView }
  | { kind: 'not-found'; message: string }
  | { kind: 'conflict'; message: string };

const byWhom = async (db: Queryable, tokenId: string, tenantId: string) => {
  const { rows } = await db.query<{ prefix: string }>('SELECT prefix FROM scheduler.api_tokens WHERE id = $1', [
    tokenId,
  ]);
  return rows[0] ? `token ${rows[0].prefix}` : `tenant ${tenantId}`;
};

/**
 * DELETE /imports/:id: an import still waiting (not granted its lease, or held while its connection verifies) ends
 * as ImportFailed (queue, cancelled) through the outbox; the lock-service drops a queued waiter on it. The failure is
 * folded into the view in the same transaction, so the answer and every later read show it at once.
 */
export async function cancelImport(
  deps: { pool: Pool; clock: Clock; relay: OutboxRelay },
  input: { importId: string; tenantId: string; tokenId: string },
): Promise<CancelImportResult> {
  const result = await withTransaction(deps.pool, async (tx): Promise<CancelImportResult> => {
    const row = await loadTenantImportForUpdate(tx, input.importId, input.tenantId);
    if (!row) return { kind: 'not-found', message: `your tenant has no import ${input.importId}` };
    const why = whyNotCancellable(row.view, row.overdue);
    if (why) return { kind: 'conflict', message: why };
    const failed = makeEvent(
      ImportFailedV1,
      {
        stage: 'queue',
        code: 'cancelled',
        message: `cancelled by ${await byWhom(tx, input.tokenId, input.tenantId)}`,
        retryable: false,
      },
      {
        source: SERVICE,
        importId: row.view.importId,
        customerId: row.view.customerId,
        causedBy: row.held ?? undefined,
        now: deps.clock.now(),
      },
    );
    // A held request was never published: clearing it keeps the connection's check from publishing it later.
    if (row.held) await clearHeld(tx, row.view.importId);
    const view = evolveView(row.view, failed);
    await claimEvent(tx, PROJECTION, failed.id);
    await recordImportEvent(tx, failed);
    await saveImportView(tx, view);
    await appendToOutbox(tx, SERVICE, [failed]);
    return { kind: 'cancelled', view };
  });
  if (result.kind === 'cancelled') deps.relay.nudge();
  return result;
}
