import { every, type Logger, type Pool, type Queryable } from '@reportline/platform';

/**
 * A place in scheduler.event_feed: a row's `pos`, given in commit order by scheduler.sequence_feed (see the migration
 * 1765200000500_event-feed.sql). Shown to clients as the SSE id.
 */
export type FeedPosition = bigint;

export type FeedKind = 'import' | 'connection' | 'lock';

export interface FeedEntry {
  position: FeedPosition;
  kind: FeedKind;
  importId: string | null;
  connectionId: string | null;
  customerId: string | null;
  payload: Record<string, unknown>;
  at: string;
}

export const formatPosition = (p: FeedPosition) => p.toString();

/** A Last-Event-ID this service handed out; undefined for anything else (the caller answers 400). */
export function parsePosition(id: string): FeedPosition | undefined {
  return /^\d{1,18}$/.test(id.trim()) ? BigInt(id.trim()) : undefined;
}

/** Gives committed rows their place; a no-op while another caller (of any instance) is at it. */
export async function sequenceFeed(db: Queryable, maxRows = 1_000): Promise<number> {
  const { rows } = await db.query<{ n: number }>('SELECT scheduler.sequence_feed($1) AS n', [maxRows]);
  return rows[0]?.n ?? 0;
}

/** The position of "now": everything committed so far is at or before it, everything later after it. */
export async function currentPosition(db: Queryable): Promise<FeedPosition> {
  await sequenceFeed(db);
  const { rows } = await db.query<{ pos: string }>(
    'SELECT coalesce(max(pos), 0)::text AS pos FROM scheduler.event_feed',
  );
  return BigInt(rows[0]!.pos);
}

/** The tenant's entries after `after`, oldest first, optionally of one import. */
export async function readFeed(
  db: Queryable,
  filter: { tenantId: string; importId?: string },
  after: FeedPosition,
  limit: number,
): Promise<FeedEntry[]> {
  const { rows } = await db.query<{
    pos: string;
    kind: FeedKind;
    import_id: string | null;
    connection_id: string | null;
    customer_id: string | null;
    payload: Record<string, unknown>;
    at: Date;
  }>(
    `SELECT pos::text, kind, import_id, connection_id, customer_id, payload, at FROM scheduler.event_feed
     WHERE tenant_id = $1 AND ($2::uuid IS NULL OR import_id = $2) AND pos > $3
     ORDER BY pos LIMIT $4`,
    [filter.tenantId, filter.importId ?? null, after.toString(), limit],
  );
  return rows.map((r) => ({
    position: BigInt(r.pos),
    kind: r.kind,
    importId: r.import_id,
    connectionId: r.connection_id,
    customerId: r.customer_id,
    payload: r.payload,
    at: r.at.toISOString(),
  }));
}

/** Drops entries older than `keepMs`: a client away longer reloads its state instead of resuming. */
export async function pruneFeed(db: Queryable, olderThan: Date): Promise<number> {
  const { rowCount } = await db.query('DELETE FROM scheduler.event_feed WHERE at < $1', [olderThan]);
  return rowCount ?? 0;
}

export function startFeedPrune(deps: { pool: Pool; logger: Logger; keepMs: number; everyMs: number }) {
  const stop = new AbortController();
  const loop = every(deps.everyMs, async () => void (await pruneFeed(deps.pool, new Date(Date.now() - deps.keepMs))), {
    signal: stop.signal,
    onError: (err) => deps.logger.error({ err }, 'event feed prune failed; retrying'),
  });
  return async () => {
    stop.abort();
    await loop.done;
  };
}
