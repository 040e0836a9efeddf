import { CustomerId } from '@reportline/contracts';
import { type HttpApp, httpError, type Pool } from '@reportline/platform';
import { z } from 'zod';
import { bearerSecurity, principalOf } from '../auth/authenticate.ts';
import { tenantOwnsCustomer } from '../connection-store.ts';
import type { LockView } from '../service-clients.ts';
import { Problem } from './schemas.ts';

/** Drops every fencing token, whatever the lock-service's view carries: those are for lease holders only. */
const withoutTokens = (value: unknown): unknown =>
  Array.isArray(value)
    ? value.map(withoutTokens)
    : value && typeof value === 'object'
      ? Object.fromEntries(
          Object.entries(value)
            .filter(([k]) => !/token/i.test(k))
            .map(([k, v]) => [k, withoutTokens(v)]),
        )
      : value;

export function lockRoutes(app: HttpApp, deps: { pool: Pool; lockView: LockView }) {
  app.get(
    '/locks/:customerId',
    {
      schema: {
        description:
          'The NAVER lock of a customer id one of your connections uses: its holder, its queue in grant order and the ' +
          'history of lease holds (never fencing tokens). 404 for a customer id none of your connections uses.',
        security: bearerSecurity,
        params: z.object({ customerId: CustomerId }),
        querystring: z.object({ limit: z.coerce.number().int().min(1).max(1000).default(100) }),
        response: {
          200: z.record(z.string(), z.unknown()),
          400: Problem,
          401: Problem,
          404: Problem,
          503: Problem,
        },
      },
    },
    async (req) => {
      const p = principalOf(req);
      const { customerId } = req.params;
      const missing = () => httpError(404, `none of your connections uses customer id ${customerId}`, 'not-found');
      if (!(await tenantOwnsCustomer(deps.pool, p.tenantId, customerId))) throw missing();
      let view: unknown;
      try {
        view = await deps.lockView(customerId, req.query.limit);
      } catch {
        throw httpError(503, 'the lock-service did not answer; try again shortly', 'lock-service-unavailable');
      }
      if (view === undefined) return { customerId, holder: null, queue: [], lockDelayUntil: null, history: [] };
      return withoutTokens(view) as Record<string, unknown>;
    },
  );
}
