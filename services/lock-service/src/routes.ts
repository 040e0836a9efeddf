import {
  LeaseHolder,
  LeaseRenewalGranted,
  LeaseRenewalRefused,
  LeaseRenewalRequest,
  leaseProblemTypes,
  Problem,
} from '@reportline/contracts';
import { type HttpApp, requireServiceCredential } from '@reportline/platform';
import { z } from 'zod';
import { type DecisionDeps, decideRenewal } from './decisions.ts';
import { maxHoldUntil } from './domain/decide.ts';
import { LockView, readCurrentHolder, readLockView } from './read-model.ts';

const Params = z.object({ customerId: z.string().regex(/^\d+$/, 'a NAVER customer id is digits only') });
const notFound = (customerId: string) => ({
  type: 'urn:reportline:problem:no-lock',
  title: 'no lock state for this customer id',
  status: 404,
  detail: `customer id ${customerId} never had an import requested`,
});
const problem = 'application/problem+json';

export interface LockRoutesOptions {
  /** INTERNAL_API_TOKEN: the holder endpoints hand out and accept fencing tokens, so only services may call them. */
  serviceCredential: string;
  /** Called when a decision queued outbox rows, so the relay publishes them at once. */
  published: () => void;
}

export function lockRoutes(http: HttpApp, deps: DecisionDeps, opts: LockRoutesOptions): void {
  const internal = requireServiceCredential(opts.serviceCredential);

  http.get(
    '/locks/:customerId',
    {
      schema: {
        params: Params,
        querystring: z.object({ limit: z.coerce.number().int().min(1).max(1000).default(100) }),
        description:
          'Holder, queue (in grant order) and the history of lease holds of one NAVER customer id. Carries no fencing ' +
          'tokens: those are for holders only (the /holder endpoint).',
        response: { 200: LockView, 404: Problem },
      },
    },
    async (req, reply) => {
      const view = await readLockView(deps.pool, req.params.customerId, req.query.limit);
      return view ?? reply.status(404).type(problem).send(notFound(req.params.customerId));
    },
  );

  http.get(
    '/locks/:customerId/holder',
    {
      onRequest: internal,
      schema: {
        params: Params,
        description:
          "The current holder and token only: the holder's cheap check that its token is still current. Internal: " +
          'needs authorization: Bearer <INTERNAL_API_TOKEN>.',
        response: { 200: LeaseHolder, 401: Problem, 404: Problem },
      },
    },
    async (req, reply) => {
      const view = await readCurrentHolder(deps.pool, req.params.customerId);
      return view ?? reply.status(404).type(problem).send(notFound(req.params.customerId));
    },
  );

  http.post(
    '/locks/:customerId/renewals',
    {
      onRequest: internal,
      schema: {
        params: Params,
        body: LeaseRenewalRequest,
        description:
          'Renews the lease of the holder (compare-and-set on import id and fencing token): it now runs leaseTtlMs from ' +
          'this decision, never past maxHoldUntil (grantedAt + LEASE_MAX_HOLD_MS). 409 lease-not-held when the caller ' +
          'no longer holds the lease (released, expired, a stale token, or an unknown customer id); 409 lease-max-hold ' +
          'once the lease has reached its maximum hold. Internal: needs authorization: Bearer <INTERNAL_API_TOKEN>.',
        response: { 200: LeaseRenewalGranted, 401: Problem, 409: LeaseRenewalRefused },
      },
    },
    async (req, reply) => {
      const { customerId } = req.params;
      const decided = await decideRenewal(deps, customerId, req.body);
      if (decided.published > 0) opts.published();
      const h = decided.after?.holder;
      const { maxHoldMs } = deps.policy;
      if (decided.refusal === 'max-hold') {
        return reply
          .status(409)
          .type(problem)
          .send({
            type: leaseProblemTypes.maxHold,
            title: 'the lease reached its maximum hold and is not extended any more',
            status: 409,
            detail: `the lease of ${customerId} has been held for the maximum of ${maxHoldMs} ms since its grant`,
            currentToken: h?.token ?? null,
            maxHoldMs,
          });
      }
      if (decided.refusal !== null || !h) {
        return reply
          .status(409)
          .type(problem)
          .send({
            type: leaseProblemTypes.notHeld,
            title: 'the lease is not held by this import and token',
            status: 409,
            detail: `import ${req.body.importId} with token ${req.body.token} does not hold the lease of ${customerId}`,
            currentToken: h?.token ?? null,
          });
      }
      return {
        token: h.token,
        // What this decision granted: the TTL, or less where the maximum hold caps it.
        leaseTtlMs: Date.parse(h.expiresAt) - decided.decidedAt.getTime(),
        leaseExpiresAt: h.expiresAt,
        maxHoldMs,
        maxHoldUntil: new Date(maxHoldUntil(h, deps.policy)).toISOString(),
      };
    },
  );
}
