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

/**
 * `claimEvent` for many events in one statement; returns the given ids claimed now (ids handled before are left out).
 * An id given twice is claimed once: the caller acts on its first occurrence only.
 */
export async function claimEvents(tx: Queryable, consumer: string, eventIds: readonly string[]): Promise<Set<string>> {
  if (eventIds.length === 0) return new Set();
  const { rows } = await tx.query<{ event_id: string }>(
    `INSERT INTO platform.inbox (consumer, event_id)
     SELECT $1, id FROM (SELECT DISTINCT unnest($2::uuid[]) AS id) AS ids ORDER BY id
     ON CONFLICT DO NOTHING RETURNING event_id::text`,
    [consumer, eventIds],
  );
  const claimed = new Set(rows.map((r) => r.event_id));
  return new Set(eventIds.filter((id) => claimed.has(id.toLowerCase())));
}
