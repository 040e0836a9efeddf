import type { HttpApp } from '@reportline/platform';
import { z } from 'zod';
import { type DecisionDeps, decideRenewal } from './decisions.ts';
import { CurrentHolder, LockView, readCurrentHolder, readLockView } from './read-model.ts';

const Params = z.object({ customerId: z.string().regex(/^\d+$/, 'a NAVER customer id is digits only') });
const Problem = z.object({ type: z.string(), title: z.string(), status: z.number(), detail: z.string().optional() });
const notFound = (customerId: string) => ({
  type: 'urn:reportline:problem:no-lock',
  title: 'no lock state for this customer id',
  status: 404,
  detail: `customer id ${customerId} never had an import requested`,
});

export const RenewalInput = z.object({ importId: z.uuid(), token: z.number().int().positive() });
export const RenewalOutput = z.object({
  token: z.number().int().positive(),
  leaseTtlMs: z.number().int().positive(),
  leaseExpiresAt: z.iso.datetime({ offset: true }),
});
export const RenewalRejected = Problem.extend({
  currentToken: z.number().int().nullable().describe('The token holding the lease now, null when nobody holds it.'),
});

export function lockRoutes(http: HttpApp, deps: DecisionDeps, published: () => void): void {
  http.get(
    '/locks/:customerId',
    {
      schema: {
        params: Params,
        querystring: z.object({ limit: z.coerce.number().int().min(1).max(1000).default(100) }),
        description: 'Holder, queue (in grant order) and the history of lease holds of one NAVER customer id.',
        response: { 200: LockView, 404: Problem },
      },
    },
    async (req, reply) => {
      const view = await readLockView(deps.pool, req.params.customerId, req.query.limit);
      return view ?? reply.status(404).type('application/problem+json').send(notFound(req.params.customerId));
    },
  );

  http.get(
    '/locks/:customerId/holder',
    {
      schema: {
        params: Params,
        description: "The current holder and token only: the holder's cheap check that its token is still current.",
        response: { 200: CurrentHolder, 404: Problem },
      },
    },
    async (req, reply) => {
      const view = await readCurrentHolder(deps.pool, req.params.customerId);
      return view ?? reply.status(404).type('application/problem+json').send(notFound(req.params.customerId));
    },
  );

  http.post(
    '/locks/:customerId/renewals',
    {
      schema: {
        params: Params,
        body: RenewalInput,
        description:
          'Renews the lease of the holder (compare-and-set on import id and fencing token): it now runs leaseTtlMs from ' +
          'this decision. 409 when the caller no longer holds the lease (released, expired, or a stale token).',
        response: { 200: RenewalOutput, 409: RenewalRejected },
      },
    },
    async (req, reply) => {
      const decided = await decideRenewal(deps, req.params.customerId, req.body);
      const h = decided.after.holder;
      if (decided.published > 0) published();
      if (decided.published === 0 || !h) {
        return reply
          .status(409)
          .type('application/problem+json')
          .send({
            type: 'urn:reportline:problem:lease-not-held',
            title: 'the lease is not held by this import and token',
            status: 409,
            detail: `import ${req.body.importId} with token ${req.body.token} does not hold the lease of ${req.params.customerId}`,
            currentToken: h?.token ?? null,
          });
      }
      return { token: h.token, leaseTtlMs: deps.policy.leaseTtlMs, leaseExpiresAt: h.expiresAt };
    },
  );
}
