import { type Pool, withTransaction } from '@reportline/platform';
import type { QuotaStore } from './quota.ts';
import { reserveSlot } from './quota-rules.ts';

/**
 * The buckets in Postgres, shared by every writer process: one transaction locks the call's bucket rows (in key
 * order, so two callers never deadlock), applies the pure rule with the database's clock (so processes whose clocks
 * disagree still agree on the slots) and stores the advanced slots. Row locks queue their waiters, so reservations
 * are granted in arrival order across processes too.
 */
export function postgresQuotaStore(pool: Pool): QuotaStore {
  return {
    async reserve(buckets) {
      const ordered = [...buckets].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
      const keys = ordered.map((b) => b.key);
      return withTransaction(pool, async (tx) => {
        await tx.query(
          `INSERT INTO sheets.quota_buckets (key, tat_ms) SELECT k, 0 FROM unnest($1::text[]) AS k ON CONFLICT DO NOTHING`,
          [keys],
        );
        const { rows } = await tx.query<{ key: string; tat_ms: number; now_ms: number }>(
          `SELECT key, tat_ms, extract(epoch FROM clock_timestamp()) * 1000 AS now_ms
             FROM sheets.quota_buckets WHERE key = ANY($1::text[]) ORDER BY key FOR UPDATE`,
          [keys],
        );
        const tatOf = new Map(rows.map((r) => [r.key, Number(r.tat_ms)]));
        const now = Number(rows[0]?.now_ms ?? Date.now());
        const r = reserveSlot(
          ordered.map((b) => tatOf.get(b.key)),
          ordered.map((b) => b.params),
          now,
        );
        await tx.query(
          `UPDATE sheets.quota_buckets AS b SET tat_ms = v.tat
             FROM unnest($1::text[], $2::float8[]) AS v(key, tat) WHERE b.key = v.key`,
          [keys, r.tats],
        );
        return r.at - now;
      });
    },
  };
}
