import { type Clock, type OutboxRelay, type Pool, withTransaction } from '@reportline/platform';
import { SERVICE } from './connection-lifecycle.ts';
import { findConnection } from './connection-store.ts';
import { coalescingImport } from './domain/coalesce.ts';
import type { ImportView } from './domain/import-view.ts';
import { decideImportRequest, type ImportRequest } from './domain/request-import.ts';
import { PROJECTION } from './projection.ts';
import {
  findImport,
  findImportByIdempotencyKey,
  lockImportRequests,
  openImportsOf,
  saveRequestedImportIn,
} from './store.ts';

export { SERVICE };

export type RequestImportResult =
  /** `coalesced`: an open import of the connection already covers the request and answers it; nothing was created. */
  | { kind: 'accepted'; view: ImportView; coalesced?: boolean }
  | { kind: 'not-found'; message: string }
  | { kind: 'rejected'; code: string; message: string; status?: number };

/**
 * The use case behind POST /imports and the schedule: an idempotency key answers with the import it created before;
 * an open import of the connection covering the same dates and report types answers instead of a new one (unless
 * `force`); otherwise the request is decided (domain/request-import.ts) and stored with its ImportRequested in one
 * transaction. An import of a connection still verifying its credentials waits for the check (held); an unhealthy
 * connection takes none until it is fixed.
 */
export async function requestImport(
  deps: { pool: Pool; clock: Clock; relay: OutboxRelay },
  input: ImportRequest & { connectionId: string; idempotencyKey: string | null; tenantId?: string; force?: boolean },
): Promise<RequestImportResult> {
  const connection = await findConnection(deps.pool, input.connectionId, { tenantId: input.tenantId });
  if (!connection) return { kind: 'not-found', message: `connection ${input.connectionId} does not exist` };
  const key = input.idempotencyKey;
  const earlier = key && (await findImportByIdempotencyKey(deps.pool, connection.id, key));
  if (earlier) return { kind: 'accepted', view: earlier };
  if (connection.status === 'unhealthy' && connection.health) {
    return {
      kind: 'rejected',
      status: 409,
      code: 'connection-unhealthy',
      message: `connection ${connection.id} is unhealthy (${connection.health.code}: ${connection.health.message}); ${connection.health.action}`,
    };
  }

  const now = deps.clock.now();
  const decision = decideImportRequest(connection, input, { importId: crypto.randomUUID(), now, source: SERVICE });
  if (decision.kind === 'rejected') return decision;
  const result = await withTransaction(
    deps.pool,
    async (tx): Promise<(RequestImportResult & { created?: true }) | 'raced'> => {
      // Decided under the connection's lock: a concurrent identical request waits here and then coalesces with this one.
      await lockImportRequests(tx, connection.id);
      const winner = key && (await findImportByIdempotencyKey(tx, connection.id, key));
      if (winner) return { kind: 'accepted', view: winner };
      const { dateRange, reportTypes } = decision.requested.data;
      const covering = coalescingImport(await openImportsOf(tx, connection.id), {
        dateRange,
        reportTypes,
        force: input.force ?? false,
      });
      const open = covering && (await findImport(tx, covering.importId));
      if (open) return { kind: 'accepted', view: open, coalesced: true };
      const stored = await saveRequestedImportIn(tx, {
        ...decision,
        connectionId: connection.id,
        idempotencyKey: key,
        requestedAt: now,
        projection: PROJECTION,
        service: SERVICE,
        held: connection.status === 'verifying',
      });
      return stored ? { kind: 'accepted', view: decision.view, created: true } : 'raced';
    },
  );
  if (result === 'raced') {
    // The idempotency key's unique index let another request insert first: answer with its import.
    const other = key && (await findImportByIdempotencyKey(deps.pool, connection.id, key));
    return other ? { kind: 'accepted', view: other } : { kind: 'accepted', view: decision.view };
  }
  if (result.kind === 'accepted' && result.created) {
    deps.relay.nudge();
    return { kind: 'accepted', view: result.view };
  }
  return result;
}
