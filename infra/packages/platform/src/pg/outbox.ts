import type { ReportlineEvent } from '@reportline/contracts';
import type { Bus } from '../bus/bus.ts';
import type { Logger } from '../log.ts';
import type { Pool, Queryable } from './pool.ts';

/**
 * Records events to publish, inside the caller's transaction, in one statement. The rows take their seq in the
 * order given (the set-returning function yields the array in order), which is the order the relay publishes them in.
 */
export async function appendToOutbox(
  tx: Queryable,
  service: string,
  events: readonly ReportlineEvent[],
): Promise<void> {
  if (events.length === 0) return;
  await tx.query(
    `INSERT INTO platform.outbox (service, event_id, event)
     SELECT $1, (e ->> 'id')::uuid, e FROM jsonb_array_elements($2::jsonb) AS e`,
    [service, JSON.stringify(events)],
  );
}

/**
 * Publishes a service's outbox in `seq` order, one relay per service at a time (advisory lock). `seq` is taken at
 * insert, so two transactions committing concurrently may leave in insert rather than commit order, and a row whose
 * transaction commits late is published in a later round — never lost. Events of one aggregate keep their order
 * because their transactions serialise on its row lock. A crash between publish and mark re-publishes: consumers
 * dedupe by id.
 */
export async function relayOutboxOnce(pool: Pool, bus: Bus, service: string, batchSize = 200): Promise<number> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const { rows: locked } = await client.query<{ ok: boolean }>(
      'SELECT pg_try_advisory_xact_lock(hashtext($1)) AS ok',
      [`outbox:${service}`],
    );
    if (!locked[0]?.ok) {
      await client.query('ROLLBACK');
      return 0;
    }
    const { rows } = await client.query<{ seq: number; event: ReportlineEvent }>(
      'SELECT seq, event FROM platform.outbox WHERE service = $1 AND published_at IS NULL ORDER BY seq LIMIT $2',
      [service, batchSize],
    );
    if (rows.length > 0) {
      await bus.publish(rows.map((r) => r.event));
      await client.query('UPDATE platform.outbox SET published_at = now() WHERE seq = ANY($1::bigint[])', [
        rows.map((r) => r.seq),
      ]);
    }
    await client.query('COMMIT');
    return rows.length;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}

export interface OutboxRelay {
  /** Publish soon rather than at the next poll; call after committing a transaction that wrote to the outbox. */
  nudge(): void;
  stop(): Promise<void>;
}

export function startOutboxRelay(opts: {
  pool: Pool;
  bus: Bus;
  service: string;
  logger: Logger;
  pollMs?: number;
}): OutboxRelay {
  const pollMs = opts.pollMs ?? 250;
  let stopped = false;
  let wake: (() => void) | undefined;
  let pending = false;

  const loop = async () => {
    let failures = 0;
    while (!stopped) {
      try {
        const n = await relayOutboxOnce(opts.pool, opts.bus, opts.service);
        failures = 0;
        if (n > 0) continue;
      } catch (err) {
        failures++;
        opts.logger.error({ err, failures }, 'outbox relay failed; retrying');
      }
      if (pending) {
        pending = false;
        continue;
      }
      const delay = failures > 0 ? Math.min(pollMs * 2 ** failures, 10_000) : pollMs;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, delay);
        wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      wake = undefined;
    }
  };
  const running = loop();
  return {
    nudge() {
      pending = true;
      wake?.();
    },
    async stop() {
      stopped = true;
      wake?.();
      await running;
    },
  };
}
