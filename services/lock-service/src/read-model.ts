import type { Queryable } from '@reportline/platform';
import { z } from 'zod';
import { nextWaiter } from './domain/decide.ts';
import type { CustomerLock } from './domain/lock.ts';

const Iso = z.iso.datetime({ offset: true });

export const HolderView = z
  .object({ importId: z.uuid(), token: z.number().int().positive(), grantedAt: Iso, expiresAt: Iso })
  .describe('The import holding the NAVER lease now, its fencing token and when the lease runs out unless renewed.');

export const LeaseHoldView = z.object({
  token: z.number().int().positive(),
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
  lastToken: z.number().int().nonnegative(),
  lockDelayUntil: Iso.nullable().describe('After an expiry nobody is granted before this instant.'),
  history: z.array(LeaseHoldView).describe('Lease holds, newest first (at most `limit`).'),
});
export type LockView = z.infer<typeof LockView>;

export const CurrentHolder = z.object({
  customerId: z.string(),
  holder: HolderView.nullable(),
  lastToken: z.number().int().nonnegative(),
});

/** Waiters in the order they will be granted. */
export function grantOrder(state: CustomerLock) {
  const rest = [...state.queue];
  const ordered = [];
  for (let next = nextWaiter(rest); next; next = nextWaiter(rest)) {
    ordered.push(next);
    rest.splice(rest.indexOf(next), 1);
  }
  return ordered;
}

async function readState(db: Queryable, customerId: string): Promise<CustomerLock | undefined> {
  const { rows } = await db.query<{ state: CustomerLock }>(
    'SELECT state FROM lock.customer_locks WHERE customer_id = $1',
    [customerId],
  );
  return rows[0]?.state;
}

const holderOf = (state: CustomerLock) =>
  state.holder && {
    importId: state.holder.importId,
    token: state.holder.token,
    grantedAt: state.holder.grantedAt,
    expiresAt: state.holder.expiresAt,
  };

export async function readCurrentHolder(
  db: Queryable,
  customerId: string,
): Promise<z.infer<typeof CurrentHolder> | undefined> {
  const state = await readState(db, customerId);
  return state && { customerId, holder: holderOf(state), lastToken: state.lastToken };
}

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());

export async function readLockView(db: Queryable, customerId: string, limit = 100): Promise<LockView | undefined> {
  const state = await readState(db, customerId);
  if (!state) return undefined;
  const { rows } = await db.query<{
    token: string;
    import_id: string;
    granted_at: Date;
    expires_at: Date | null;
    renewals: number;
    ended_at: Date | null;
    ended_by: 'released' | 'expired' | null;
  }>(
    `SELECT token, import_id, granted_at, expires_at, renewals, ended_at, ended_by
     FROM lock.lease_history WHERE customer_id = $1 ORDER BY token DESC LIMIT $2`,
    [customerId, limit],
  );
  return {
    customerId,
    holder: holderOf(state),
    queue: grantOrder(state).map((w, i) => ({
      importId: w.importId,
      priority: w.priority,
      requestedAt: w.requestedAt,
      position: i + 1,
    })),
    lastToken: state.lastToken,
    lockDelayUntil: state.lockDelayUntil,
    history: rows.map((h) => ({
      token: Number(h.token),
      importId: h.import_id,
      grantedAt: iso(h.granted_at)!,
      expiresAt: iso(h.expires_at),
      renewals: h.renewals,
      endedAt: iso(h.ended_at),
      endedBy: h.ended_by,
    })),
  };
}
