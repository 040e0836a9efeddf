import type { PoolClient, Queryable } from '@reportline/platform';
import { nextDeadline } from './domain/decide.ts';
import { type CustomerLock, emptyLock, type LockEvent, type LockPolicy } from './domain/lock.ts';

export interface StoredLock {
  state: CustomerLock;
  version: number;
  partition: number | null;
}

/** A decision computed on a version someone else has since replaced: the transaction rolls back. */
export class StaleLockVersionError extends Error {
  override readonly name = 'StaleLockVersionError';
}

type LockRow = { state: CustomerLock; version: string; partition: number | null };

// Rows written before `finished` existed read as having finished nothing; waiters queued before the lock kept their
// request read as having none (they are granted with LockGranted v1).
const toStored = (row: LockRow): StoredLock => ({
  state: {
    ...row.state,
    queue: row.state.queue.map((w) => ({ ...w, request: w.request ?? null })),
    finished: row.state.finished ?? [],
  },
  version: Number(row.version),
  partition: row.partition,
});

/**
 * Reads a customer's lock for update, or undefined when the customer id has no lock row: for callers that must not
 * create one (a renewal can only extend an existing lease, so one for an unknown customer id leaves nothing behind).
 */
export async function loadExistingLockForUpdate(tx: PoolClient, customerId: string): Promise<StoredLock | undefined> {
  const { rows } = await tx.query<LockRow>(
    'SELECT state, version, partition FROM lock.customer_locks WHERE customer_id = $1 FOR UPDATE',
    [customerId],
  );
  return rows[0] && toStored(rows[0]);
}

/**
 * Reads a customer's lock for update (created empty if new): concurrent decisions for one customer id serialise on
 * this row.
 */
export async function loadLockForUpdate(tx: PoolClient, customerId: string): Promise<StoredLock> {
  await tx.query(
    `INSERT INTO lock.customer_locks (customer_id, state) VALUES ($1, $2) ON CONFLICT (customer_id) DO NOTHING`,
    [customerId, JSON.stringify(emptyLock(customerId))],
  );
  return (await loadExistingLockForUpdate(tx, customerId))!;
}

/**
 * `loadLockForUpdate` for many customer ids in two statements. Rows are created and locked in customer id order, the
 * same order for every batch, so two batches never wait on each other's rows crosswise (no deadlock).
 */
export async function loadLocksForUpdate(
  tx: PoolClient,
  customerIds: readonly string[],
): Promise<Map<string, StoredLock>> {
  const ids = [...new Set(customerIds)].sort();
  if (ids.length === 0) return new Map();
  await tx.query(
    `INSERT INTO lock.customer_locks (customer_id, state)
     SELECT e ->> 'customerId', e FROM jsonb_array_elements($1::jsonb) AS e ORDER BY e ->> 'customerId'
     ON CONFLICT (customer_id) DO NOTHING`,
    [JSON.stringify(ids.map(emptyLock))],
  );
  const { rows } = await tx.query<LockRow & { customer_id: string }>(
    `SELECT customer_id, state, version, partition FROM lock.customer_locks
     WHERE customer_id = ANY($1::text[]) ORDER BY customer_id FOR UPDATE`,
    [ids],
  );
  return new Map(rows.map((row) => [row.customer_id, toStored(row)]));
}

/** Compare-and-set on the version read: the row lock makes it hold; the check makes a broken assumption loud. */
export async function saveLock(
  tx: Queryable,
  stored: StoredLock,
  state: CustomerLock,
  events: readonly LockEvent[],
  partition: number | null,
  policy: LockPolicy,
): Promise<void> {
  const { rowCount } = await tx.query(
    `UPDATE lock.customer_locks SET state = $2, next_deadline = $3, version = version + 1, updated_at = now(),
       partition = COALESCE($5, partition)
     WHERE customer_id = $1 AND version = $4`,
    [state.customerId, JSON.stringify(state), nextDeadline(state, policy), stored.version, partition],
  );
  if (rowCount !== 1)
    throw new StaleLockVersionError(`lock of ${state.customerId} changed since version ${stored.version}`);
  for (const e of events) {
    if (e.kind === 'granted') {
      await tx.query(
        `INSERT INTO lock.lease_history (customer_id, token, import_id, granted_at, expires_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT DO NOTHING`,
        [state.customerId, e.holder.token, e.holder.importId, e.holder.grantedAt, e.holder.expiresAt],
      );
    } else if (e.kind === 'renewed') {
      await tx.query(
        'UPDATE lock.lease_history SET expires_at = $3, renewals = renewals + 1 WHERE customer_id = $1 AND token = $2',
        [state.customerId, e.token, e.expiresAt],
      );
    } else if (e.kind === 'released' || e.kind === 'expired') {
      await tx.query(
        'UPDATE lock.lease_history SET ended_at = $3, ended_by = $4 WHERE customer_id = $1 AND token = $2',
        [state.customerId, e.token, e.at, e.kind],
      );
    }
  }
}

/**
 * Locks of the given partitions that need a tick now (an expiry, the end of a lock-delay, a waiter's maximum queue
 * wait), with the version seen.
 */
export async function dueLocks(
  db: Queryable,
  now: Date,
  partitions: readonly number[],
  limit = 100,
): Promise<{ customerId: string; version: number }[]> {
  if (partitions.length === 0) return [];
  const { rows } = await db.query<{ customer_id: string; version: string }>(
    `SELECT customer_id, version FROM lock.customer_locks
     WHERE next_deadline <= $1 AND partition = ANY($2::int[]) ORDER BY next_deadline LIMIT $3`,
    [now, partitions, limit],
  );
  return rows.map((r) => ({ customerId: r.customer_id, version: Number(r.version) }));
}
