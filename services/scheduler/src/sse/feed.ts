import { every, type Logger, type Pool, type Queryable } from '@reportline/platform';

/**
 * A place in scheduler.event_feed: the writing transaction's id and the row's seq (see the migration
 * 1765200000500_event-feed.sql for why seq alone is not one). Shown to clients as the SSE id "<tx>-<seq>".
 */
export interface FeedPosition {
  tx: bigint;
  seq: bigint;
}

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

export const formatPosition = (p: FeedPosition) => `${p.tx}-${p.seq}`;

/** A Last-Event-ID this service handed out; undefined for anything else (the caller answers 400). */
export function parsePosition(id: string): FeedPosition | undefined {
  const m = /^(\d{1,20})-(\d{1,20})$/.exec(id.trim());
  return m ? { tx: BigInt(m[1]!), seq: BigInt(m[2]!) } : undefined;
}

/**
 * The position of "now": everything committed from here on is after it. Transactions still open at this instant
 * have ids at or above the snapshot's xmin and are delivered; a few rows committed just before may be delivered again,
 * which the payloads (whole views and connections) make harmless.
 */
export async function currentPosition(db: Queryable): Promise<FeedPosition> {
  const { rows } = await db.query<{ xmin: string }>('SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS xmin');
  return { tx: BigInt(rows[0]!.xmin), seq: 0n };
}

/**
 * The tenant's entries after `after`, oldest first, optionally of one import. Only rows of transactions older than
 * every running one are read: a row can never commit behind a position already handed out.
 */
export async function readFeed(
  db: Queryable,
  filter: { tenantId: string; importId?: string },
  after: FeedPosition,
  limit: number,
): Promise<FeedEntry[]> {
  const { rows } = await db.query<{
    seq: string;
    tx: string;
    kind: FeedKind;
    import_id: string | null;
    connection_id: string | null;
    customer_id: string | null;
    payload: Record<string, unknown>;
    at: Date;
  }>(
    `SELECT seq::text, tx::text, kind, import_id, connection_id, customer_id, payload, at FROM scheduler.event_feed
     WHERE tenant_id = $1 AND ($2::uuid IS NULL OR import_id = $2)
       AND (tx, seq) > ($3::text::xid8, $4::bigint)
       AND tx < pg_snapshot_xmin(pg_current_snapshot())
     ORDER BY tx, seq LIMIT $5`,
    [filter.tenantId, filter.importId ?? null, after.tx.toString(), after.seq.toString(), limit],
  );
  return rows.map((r) => ({
    position: { tx: BigInt(r.tx), seq: BigInt(r.seq) },
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
