import type { LeaseHolder } from '@reportline/contracts';
import type { Queryable } from '@reportline/platform';
import { z } from 'zod';
import { grantOrder } from './domain/decide.ts';
import type { CustomerLock } from './domain/lock.ts';

const Iso = z.iso.datetime({ offset: true });

// The view people read carries no fencing token (nor the last one handed out, which is the holder's): a token is what
// a holder proves itself with, and only holders, with the service credential, read it (GET /locks/:id/holder).
export const HolderView = z
  .object({ importId: z.uuid(), grantedAt: Iso, expiresAt: Iso })
  .describe('The import holding the NAVER lease now and when the lease runs out unless renewed.');

export const LeaseHoldView = z.object({
  importId: z.uuid(),
  grantedAt: Iso,
  /** Latest expiry the lease had (moved by renewals). */
  expiresAt: Iso.nullable(),
  renewals: z.number().int().nonnegative(),
  endedAt: Iso.nullable().describe('null while the lease is held'),
  endedBy: z
    .enum(['released', 'expired'])
    .nullable()
    .describe('released: the holder gave it back; expired: it stopped renewing'),
});

export const LockView = z.object({
  customerId: z.string(),
  holder: HolderView.nullable(),
  queue: z
    .array(
      z.object({
        importId: z.uuid(),
        priority: z.enum(['on-demand', 'scheduled']),
        requestedAt: Iso,
        position: z.number().int().positive(),
      }),
    )
    .describe('Waiters in grant order: on-demand before scheduled, first come first served within a priority.'),
  lockDelayUntil: Iso.nullable().describe(
    'After an expiry or an aborted release nobody is granted before this instant.',
  ),
  history: z.array(LeaseHoldView).describe('Lease holds, newest first (at most `limit`).'),
});
export type LockView = z.infer<typeof LockView>;

async function readState(db: Queryable, customerId: string): Promise<CustomerLock | undefined> {
  const { rows } = await db.query<{ state: CustomerLock }>(
    'SELECT state FROM lock.customer_locks WHERE customer_id = $1',
    [customerId],
  );
  return rows[0]?.state;
}

/** The holder and its token: for the holder's guard only (an internal endpoint). */
export async function readCurrentHolder(db: Queryable, customerId: string): Promise<LeaseHolder | undefined> {
  const state = await readState(db, customerId);
  if (!state) return undefined;
  const h = state.holder;
  const holder = h && { importId: h.importId, token: h.token, grantedAt: h.grantedAt, expiresAt: h.expiresAt };
  return { customerId, holder, lastToken: state.lastToken };
}

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());

export async function readLockView(db: Queryable, customerId: string, limit = 100): Promise<LockView | undefined> {
  const state = await readState(db, customerId);
  if (!state) return undefined;
  const { rows } = await db.query<{
    import_id: string;
    granted_at: Date;
    expires_at: Date | null;
    renewals: number;
    ended_at: Date | null;
    ended_by: 'released' | 'expired' | null;
  }>(
    `SELECT import_id, granted_at, expires_at, renewals, ended_at, ended_by
     FROM lock.lease_history WHERE customer_id = $1 ORDER BY token DESC LIMIT $2`,
    [customerId, limit],
  );
  return {
    customerId,
    holder: state.holder && {
      importId: state.holder.importId,
      grantedAt: state.holder.grantedAt,
      expiresAt: state.holder.expiresAt,
    },
    queue: grantOrder(state).map((w, i) => ({
      importId: w.importId,
      priority: w.priority,
      requestedAt: w.requestedAt,
      position: i + 1,
    })),
    lockDelayUntil: state.lockDelayUntil,
    history: rows.map((h) => ({
      importId: h.import_id,
      grantedAt: iso(h.granted_at)!,
      expiresAt: iso(h.expires_at),
      renewals: h.renewals,
      endedAt: iso(h.ended_at),
      endedBy: h.ended_by,
    })),
  };
}
