import type { Queryable } from './pool.ts';

/**
 * Marks an event handled by `consumer` inside the effect's transaction. Returns false when it was handled before:
 * the caller then skips the effect (a redelivery), and the transaction commits nothing new.
 */
export async function claimEvent(tx: Queryable, consumer: string, eventId: string): Promise<boolean> {
  const { rowCount } = await tx.query(
    'INSERT INTO platform.inbox (consumer, event_id) VALUES ($1, $2) ON CONFLICT DO NOTHING',
    [consumer, eventId],
  );
  return rowCount === 1;
}
