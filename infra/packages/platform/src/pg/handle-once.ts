import { claimEvent } from './inbox.ts';
import { type Pool, type PoolClient, withTransaction } from './pool.ts';

/** What `handleOnce` answers for an event this consumer handled before. */
export const DUPLICATE = Symbol('duplicate');

export interface OnceSteps<P, T> {
  /**
   * Work outside the transaction, for an effect in another system (a Google write): run only when the event was not
   * handled yet, and must itself be idempotent, since the process can die between it and the commit.
   */
  outside?: () => Promise<P>;
  /** The effect in Postgres: it commits together with the inbox mark, or not at all. */
  inside: (tx: PoolClient, outside: P) => Promise<T>;
}

/**
 * The one way a consumer handles an event exactly once in effect over at-least-once delivery: the inbox mark and
 * the effect commit in one transaction, and an event seen before is answered with DUPLICATE. With an `outside` step,
 * the inbox is read first so a redelivered event never repeats the outside effect (a re-write of an older import's
 * rows could overwrite a newer import's).
 */
export async function handleOnce<P = undefined, T = void>(
  pool: Pool,
  consumer: string,
  eventId: string,
  steps: OnceSteps<P, T>,
): Promise<T | typeof DUPLICATE> {
  let outside = undefined as P;
  if (steps.outside) {
    if (await handledBefore(pool, consumer, eventId)) return DUPLICATE;
    outside = await steps.outside();
  }
  return withTransaction(pool, async (tx) => {
    if (!(await claimEvent(tx, consumer, eventId))) return DUPLICATE;
    return steps.inside(tx, outside);
  });
}

async function handledBefore(pool: Pool, consumer: string, eventId: string): Promise<boolean> {
  const { rowCount } = await pool.query('SELECT 1 FROM platform.inbox WHERE consumer = $1 AND event_id = $2', [
    consumer,
    eventId,
  ]);
  return (rowCount ?? 0) > 0;
}
