import type { Clock, OutboxRelay, Pool } from '@reportline/platform';
import { SERVICE } from './connection-lifecycle.ts';
import { findConnection } from './connection-store.ts';
import type { ImportView } from './domain/import-view.ts';
import { decideImportRequest, type ImportRequest } from './domain/request-import.ts';
import { PROJECTION } from './projection.ts';
import { findImportByIdempotencyKey, saveRequestedImport } from './store.ts';

export { SERVICE };

export type RequestImportResult =
  | { kind: 'accepted'; view: ImportView }
  | { kind: 'not-found'; message: string }
  | { kind: 'rejected'; code: string; message: string; status?: number };

/**
 * The use case behind POST /imports and the schedule: an idempotency key answers with the import it created before;
 * otherwise the request is decided (domain/request-import.ts) and stored with its ImportRequested in one transaction.
 * An import of a connection still verifying its credentials waits for the check (held); an unhealthy connection
 * takes none until it is fixed.
 */
export async function requestImport(
  deps: { pool: Pool; clock: Clock; relay: OutboxRelay },
  input: ImportRequest & { connectionId: string; idempotencyKey: string | null; tenantId?: string },
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
  const stored = await saveRequestedImport(deps.pool, {
    ...decision,
    connectionId: connection.id,
    idempotencyKey: key,
    requestedAt: now,
    projection: PROJECTION,
    service: SERVICE,
    held: connection.status === 'verifying',
  });
  if (!stored && key) {
    // Two requests with one key raced: the unique index let the other insert; answer with its import.
    const winner = await findImportByIdempotencyKey(deps.pool, connection.id, key);
    if (winner) return { kind: 'accepted', view: winner };
  }
  deps.relay.nudge();
  return { kind: 'accepted', view: decision.view };
}
