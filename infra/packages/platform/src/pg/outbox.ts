import type { ReportlineEvent } from '@reportline/contracts';
import type { Bus } from '../bus/bus.ts';
import { eventLogFields } from '../bus/event-wire.ts';
import { classifyCommon } from '../bus/failure-policy.ts';
import type { Logger } from '../log.ts';
import { every } from '../timers.ts';
import { captureTrace, type TraceCarrier } from '../tracing.ts';
import type { Pool, Queryable } from './pool.ts';
import { LOCK_TAKEN, withSessionLock } from './session-lock.ts';

/**
 * Records events to publish, inside the caller's transaction, in one statement. The rows take their seq in the
 * order given (the set-returning function yields the array in order), which is the order the relay publishes them in.
 * The trace context active now (the request or message that caused the events) is kept in the row, because the
 * relay publishes later, outside it: the relay's producer spans continue it, so one import stays one trace.
 */
export async function appendToOutbox(
  tx: Queryable,
  service: string,
  events: readonly ReportlineEvent[],
): Promise<void> {
  if (events.length === 0) return;
  const trace = captureTrace();
  await tx.query(
    `INSERT INTO platform.outbox (service, event_id, event, trace)
     SELECT $1, (e ->> 'id')::uuid, e, $3::jsonb FROM jsonb_array_elements($2::jsonb) AS e`,
    [service, JSON.stringify(events), trace ? JSON.stringify(trace) : null],
  );
}

/** Broker answers that reject a record for good: sending it again can never succeed. */
const REJECTED_RECORD = new Set(['MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE', 'INVALID_RECORD', 'CORRUPT_MESSAGE']);

/** True when a single event cannot be published however often it is tried (as opposed to a broker that is down). */
function rejectedForGood(err: unknown): boolean {
  if (REJECTED_RECORD.has((err as { type?: string } | null)?.type ?? '')) return true;
  return classifyCommon(err) !== 'unavailable';
}

/**
 * Publishes a service's outbox in `seq` order, one relay per service at a time. `seq` is taken at insert, so two
 * transactions committing concurrently may leave in insert rather than commit order, and a row whose transaction
 * commits late is published in a later round — never lost. Events of one aggregate keep their order because their
 * transactions serialise on its row lock. A crash between publish and mark re-publishes: consumers dedupe by id.
 *
 * No transaction is open while the broker is called: a session advisory lock keeps relays of the same service apart
 * and ends with the session if this process dies. A batch the broker refuses is sent one event at a time, and an
 * event refused on its own is parked with its reason, so one bad row never holds back the rows behind it.
 */
export async function relayOutboxOnce(
  pool: Pool,
  bus: Bus,
  service: string,
  batchSize = 200,
  onParked: (event: ReportlineEvent, reason: string) => void = () => {},
): Promise<number> {
  const relayed = await withSessionLock(pool, `outbox:${service}`, false, async (client) => {
    const { rows } = await client.query<{ seq: number; event: ReportlineEvent; trace: TraceCarrier | null }>(
      `SELECT seq, event, trace FROM platform.outbox WHERE service = $1 AND published_at IS NULL AND parked_at IS NULL
         ORDER BY seq LIMIT $2`,
      [service, batchSize],
    );
    if (rows.length === 0) return 0;
    const published = (seqs: number[]) =>
      client.query('UPDATE platform.outbox SET published_at = now() WHERE seq = ANY($1::bigint[])', [seqs]);
    try {
      await bus.publish(
        rows.map((r) => r.event),
        { traces: rows.map((r) => r.trace) },
      );
      await published(rows.map((r) => r.seq));
      return rows.length;
    } catch (err) {
      if (!rejectedForGood(err)) throw err;
    }
    for (const row of rows) {
      try {
        await bus.publish([row.event], { traces: [row.trace] });
        await published([row.seq]);
      } catch (err) {
        if (!rejectedForGood(err)) throw err;
        const reason = (err instanceof Error ? err.message : String(err)).slice(0, 2_000);
        await client.query('UPDATE platform.outbox SET parked_at = now(), parked_reason = $2 WHERE seq = $1', [
          row.seq,
          reason,
        ]);
        onParked(row.event, reason);
      }
    }
    return rows.length;
  });
  return relayed === LOCK_TAKEN ? 0 : relayed;
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
  const stop = new AbortController();
  const relay = every(
    pollMs,
    async () => {
      const n = await relayOutboxOnce(opts.pool, opts.bus, opts.service, 200, (event, reason) =>
        opts.logger.error({ ...eventLogFields(event), reason }, 'outbox event refused by the broker; parked'),
      );
      // Rows were there: more may be (past the batch, or committed meanwhile), so look again without waiting.
      return n > 0 ? 'again' : undefined;
    },
    {
      signal: stop.signal,
      onError: (err, failures) => opts.logger.error({ err, failures }, 'outbox relay failed; retrying'),
      // A broker or Postgres that is down is asked less and less often, up to every 10 s.
      backoffMs: (failures) => Math.min(pollMs * 2 ** failures, 10_000),
    },
  );
  return {
    // Unbound use (`nudge: rt.relay.nudge`) must work, so no `this`.
    nudge: () => relay.nudge(),
    async stop() {
      stop.abort();
      await relay.done;
    },
  };
}
