import { DependencyUnavailableError } from '../bus/failure-policy.ts';
import type { Pool, PoolClient } from './pool.ts';

/** What `withSessionLock` answers when `wait: false` found the lock taken. */
export const LOCK_TAKEN = Symbol('lock-taken');

/**
 * Runs `fn` holding a session advisory lock on `key`, on a connection of its own and outside any transaction, so the
 * work may take as long as it needs (a publish, a Google write) without holding a transaction open; the lock ends with
 * the session if this process dies. `wait: false` tries once and answers LOCK_TAKEN; `wait: { ms, busy }` waits up to
 * `ms` (not the pool's statement timeout: waiting for another holder is not a stuck statement), then throws
 * DependencyUnavailableError with `busy` as its message, so the bus retries later.
 */
export function withSessionLock<T>(
  pool: Pool,
  key: string,
  wait: false,
  fn: (client: PoolClient) => Promise<T>,
): Promise<T | typeof LOCK_TAKEN>;
export function withSessionLock<T>(
  pool: Pool,
  key: string,
  wait: { ms: number; busy: string },
  fn: (client: PoolClient) => Promise<T>,
): Promise<T>;
export async function withSessionLock<T>(
  pool: Pool,
  key: string,
  wait: false | { ms: number; busy: string },
  fn: (client: PoolClient) => Promise<T>,
): Promise<T | typeof LOCK_TAKEN> {
  const client = await pool.connect();
  let locked = false;
  let broken: Error | undefined;
  try {
    if (wait === false) {
      const { rows } = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock(hashtext($1)) AS ok', [key]);
      if (!rows[0]?.ok) return LOCK_TAKEN;
    } else {
      await client.query(`SET statement_timeout = ${Math.round(wait.ms)}`);
      try {
        await client.query('SELECT pg_advisory_lock(hashtext($1))', [key]);
      } catch (err) {
        if ((err as { code?: string }).code !== '57014') throw err;
        throw new DependencyUnavailableError('session-lock', wait.busy, { cause: err });
      } finally {
        await client.query('RESET statement_timeout');
      }
    }
    locked = true;
    return await fn(client);
  } finally {
    if (locked) {
      await client.query('SELECT pg_advisory_unlock(hashtext($1))', [key]).catch((err) => {
        broken = err;
      });
    }
    // A connection that may still hold the session lock must not go back to the pool: destroying it frees the lock.
    client.release(broken);
  }
}
