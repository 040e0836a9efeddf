import { CustomerId } from '@reportline/contracts';
import { type HttpApp, httpError, type Pool } from '@reportline/platform';
import { z } from 'zod';
import { bearerSecurity, principalOf } from '../auth/authenticate.ts';
import { tenantOwnsCustomer } from '../connection-store.ts';
import { Problem } from '../routes/schemas.ts';
import type { LockView } from '../service-clients.ts';

/** What the lock-service's view holds (services/lock-service/src/read-model.ts LockView), as far as this reads it. */
interface LockState {
  holder: { importId: string; grantedAt: string; expiresAt: string } | null;
  queue: { importId: string; priority: string; requestedAt: string; position: number }[];
  lockDelayUntil: string | null;
  history: {
    importId: string;
    grantedAt: string;
    expiresAt: string | null;
    renewals: number;
    endedAt: string | null;
    endedBy: 'released' | 'expired' | null;
  }[];
}

/** Who a hold or waiter is, for the tenant asking: its own imports and checks in full, anyone else's anonymously. */
const Whose = {
  importId: z.uuid().nullable().describe("null for another tenant's import of the same customer id"),
  own: z.boolean(),
  connectionId: z.uuid().nullable(),
  connectionName: z.string().nullable(),
  trigger: z.string().nullable().describe('first-link, manual, scheduled, relink, or credentials-check'),
  status: z.string().nullable(),
  failureCode: z.string().nullable(),
  queuedAt: z.string().nullable().describe('When the lock-service queued it (LockQueued)'),
};

export const LockTimeline = z.object({
  customerId: z.string(),
  holder: z.object({ importId: z.uuid().nullable(), grantedAt: z.string(), expiresAt: z.string() }).nullable(),
  lockDelayUntil: z.string().nullable(),
  queue: z.array(z.object({ ...Whose, priority: z.string(), requestedAt: z.string(), position: z.number() })),
  holds: z.array(
    z.object({
      ...Whose,
      grantedAt: z.string(),
      expiresAt: z.string().nullable(),
      renewals: z.number(),
      endedAt: z.string().nullable(),
      endedBy: z.enum(['released', 'expired']).nullable(),
      releasedAs: z.string().nullable().describe('The holder said: done, failed or aborted (LeaseReleased)'),
      lockDelayUntil: z.string().nullable().describe('After this hold expired nobody was granted before this'),
    }),
  ),
});
type Extra = { [K in keyof typeof Whose]: z.infer<(typeof Whose)[K]> } & {
  releasedAs: string | null;
  lockDelayUntil: string | null;
};

const iso = (d: Date | string | null) => (d ? new Date(d).toISOString() : null);

/** The tenant's imports and credentials checks among `ids`, with what their events say about the lock. */
async function ownWork(pool: Pool, tenantId: string, ids: string[]): Promise<Map<string, Extra>> {
  const { rows } = await pool.query<{
    id: string;
    connection_id: string;
    name: string | null;
    trigger: string | null;
    status: string | null;
    failure: string | null;
    queued_at: Date | null;
    released: string | null;
    lock_delay: string | null;
  }>(
    `WITH ev AS (SELECT import_id, type, time, event FROM scheduler.import_events WHERE import_id = ANY($1::uuid[]))
     SELECT i.import_id AS id, i.connection_id, c.name, i.status, i.view->'failure'->>'code' AS failure,
       (SELECT event->'data'->>'trigger' FROM ev WHERE ev.import_id = i.import_id AND type = 'ImportRequested' LIMIT 1)
         AS trigger,
       (SELECT min(time) FROM ev WHERE ev.import_id = i.import_id AND type = 'LockQueued') AS queued_at,
       (SELECT event->'data'->>'outcome' FROM ev WHERE ev.import_id = i.import_id AND type = 'LeaseReleased'
         ORDER BY time DESC LIMIT 1) AS released,
       (SELECT event->'data'->>'lockDelayUntil' FROM ev WHERE ev.import_id = i.import_id AND type = 'LeaseExpired'
         ORDER BY time DESC LIMIT 1) AS lock_delay
     FROM scheduler.imports i JOIN scheduler.connections c ON c.id = i.connection_id
     WHERE i.import_id = ANY($1::uuid[]) AND c.tenant_id = $2
     UNION ALL
     SELECT k.check_id, k.connection_id, c.name,
       CASE WHEN k.ok THEN 'completed' WHEN NOT k.ok THEN 'failed' END, k.code, 'credentials-check', NULL, NULL, NULL
     FROM scheduler.credential_checks k JOIN scheduler.connections c ON c.id = k.connection_id
     WHERE k.check_id = ANY($1::uuid[]) AND c.tenant_id = $2`,
    [ids, tenantId],
  );
  return new Map(
    rows.map((r) => [
      r.id,
      {
        importId: r.id,
        own: true,
        connectionId: r.connection_id,
        connectionName: r.name,
        trigger: r.trigger,
        status: r.status,
        failureCode: r.failure,
        queuedAt: iso(r.queued_at),
        releasedAs: r.released,
        lockDelayUntil: r.lock_delay,
      },
    ]),
  );
}

const foreign: Extra = {
  importId: null,
  own: false,
  connectionId: null,
  connectionName: null,
  trigger: null,
  status: null,
  failureCode: null,
  queuedAt: null,
  releasedAs: null,
  lockDelayUntil: null,
};

/**
 * The seeds' debugging table for one customer id, drawn by the dashboard: every lease hold with the import, its
 * connection and trigger, start, end and how it ended, plus the queue. Only what GET /locks/:customerId shows, joined
 * with the tenant's own imports; another tenant's are anonymous.
 */
export function timelineRoute(app: HttpApp, deps: { pool: Pool; lockView: LockView }) {
  app.get(
    '/locks/:customerId/timeline',
    {
      schema: {
        description:
          'The lease holds and queue of a customer id one of your connections uses, each with its import, connection, ' +
          "trigger, queue wait and how it ended (another tenant's imports of the same customer id are anonymous).",
        security: bearerSecurity,
        params: z.object({ customerId: CustomerId }),
        querystring: z.object({ limit: z.coerce.number().int().min(1).max(500).default(50) }),
        response: { 200: LockTimeline, 400: Problem, 401: Problem, 404: Problem, 503: Problem },
      },
    },
    async (req) => {
      const p = principalOf(req);
      const { customerId } = req.params;
      if (!(await tenantOwnsCustomer(deps.pool, p.tenantId, customerId))) {
        throw httpError(404, `none of your connections uses customer id ${customerId}`, 'not-found');
      }
      let lock: LockState | undefined;
      try {
        lock = (await deps.lockView(customerId, req.query.limit)) as LockState | undefined;
      } catch {
        throw httpError(503, 'the lock-service did not answer; try again shortly', 'lock-service-unavailable');
      }
      const state: LockState = lock ?? { holder: null, queue: [], lockDelayUntil: null, history: [] };
      const ids = [...new Set([...state.history, ...state.queue].map((h) => h.importId))];
      const own = await ownWork(deps.pool, p.tenantId, ids);
      const whose = (id: string) => own.get(id) ?? foreign;
      return {
        customerId,
        holder: state.holder && { ...state.holder, importId: whose(state.holder.importId).importId },
        lockDelayUntil: state.lockDelayUntil,
        queue: state.queue.map((q) => {
          const { releasedAs: _a, lockDelayUntil: _b, ...w } = whose(q.importId);
          return { ...q, ...w };
        }),
        holds: state.history.map((h) => ({ ...h, ...whose(h.importId) })),
      };
    },
  );
}
