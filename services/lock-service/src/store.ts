import type { PoolClient, Queryable } from '@reportline/platform';
import { type CustomerLock, emptyLock, type LockEvent } from './domain/lock.ts';
import { nextDeadline } from './domain/decide.ts';

/** Reads a customer's lock for update: concurrent decisions for one customer id serialise on this row. */
export async function loadLockForUpdate(tx: PoolClient, customerId: string): Promise<CustomerLock> {
  await tx.query(
    `INSERT INTO lock.customer_locks (customer_id, state) VALUES ($1, $2) ON CONFLICT (customer_id) DO NOTHING`,
    [customerId, JSON.stringify(emptyLock(customerId))],
  );
  const { rows } = await tx.query<{ state: CustomerLock }>(
    'SELECT state FROM lock.customer_locks WHERE customer_id = $1 FOR UPDATE',
    [customerId],
  );
  return rows[0]!.state;
}

export async function saveLock(tx: Queryable, state: CustomerLock, events: readonly LockEvent[]): Promise<void> {
  await tx.query(
    `UPDATE lock.customer_locks SET state = $2, next_deadline = $3, version = version + 1, updated_at = now()
     WHERE customer_id = $1`,
    [state.customerId, JSON.stringify(state), nextDeadline(state)],
  );
  for (const e of events) {
    if (e.kind === 'granted') {
      await tx.query(
        `INSERT INTO lock.lease_history (customer_id, token, import_id, granted_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT DO NOTHING`,
        [state.customerId, e.holder.token, e.holder.importId, e.holder.grantedAt],
      );
    } else if (e.kind === 'released' || e.kind === 'expired') {
      await tx.query(
        'UPDATE lock.lease_history SET ended_at = $3, ended_by = $4 WHERE customer_id = $1 AND token = $2',
        [state.customerId, e.token, e.at, e.kind],
      );
    }
  }
}

/** Customer ids whose lock needs a tick now (an expiry or the end of a lock-delay). */
export async function dueCustomers(db: Queryable, now: Date, limit = 100): Promise<string[]> {
  const { rows } = await db.query<{ customer_id: string }>(
    'SELECT customer_id FROM lock.customer_locks WHERE next_deadline <= $1 ORDER BY next_deadline LIMIT $2',
    [now, limit],
  );
  return rows.map((r) => r.customer_id);
}

export interface LockView {
  customerId: string;
  holder: { importId: string; token: number; expiresAt: string } | null;
  queue: { importId: string; priority: string; requestedAt: string }[];
  lastToken: number;
  lockDelayUntil: string | null;
  history: { token: number; importId: string; grantedAt: string; endedAt: string | null; endedBy: string | null }[];
}

export async function readLockView(db: Queryable, customerId: string): Promise<LockView | undefined> {
  const { rows } = await db.query<{ state: CustomerLock }>('SELECT state FROM lock.customer_locks WHERE customer_id = $1', [
    customerId,
  ]);
  const state = rows[0]?.state;
  if (!state) return undefined;
  const { rows: history } = await db.query(
    `SELECT token, import_id AS "importId", granted_at AS "grantedAt", ended_at AS "endedAt", ended_by AS "endedBy"
     FROM lock.lease_history WHERE customer_id = $1 ORDER BY token DESC LIMIT 100`,
    [customerId],
  );
  return {
    customerId,
    holder: state.holder && { importId: state.holder.importId, token: state.holder.token, expiresAt: state.holder.expiresAt },
    queue: state.queue.map((w) => ({ importId: w.importId, priority: w.priority, requestedAt: w.requestedAt })),
    lastToken: state.lastToken,
    lockDelayUntil: state.lockDelayUntil,
    history: history.map((h) => ({ ...h, grantedAt: new Date(h.grantedAt).toISOString(), endedAt: h.endedAt && new Date(h.endedAt).toISOString() })),
  };
}
