import { type Clock, type HttpApp, httpError, type OutboxRelay, type Pool } from '@reportline/platform';
import { z } from 'zod';
import { bearerSecurity, principalOf } from '../auth/authenticate.ts';
import { requestImport } from '../request-import.ts';
import { findImport, listImports } from '../store.ts';
import { ImportInput, ImportOutput, Problem } from './schemas.ts';

const errors = { 400: Problem, 401: Problem, 403: Problem, 404: Problem };

export function importRoutes(app: HttpApp, deps: { pool: Pool; clock: Clock; relay: OutboxRelay }) {
  app.post(
    '/imports',
    {
      schema: {
        description:
          'Request an import of a connection. Every import, whatever its trigger, takes the same path: the naver-fetcher ' +
          "serves the reports it already stores and asks NAVER, under the customer id's lock, only for the rest. " +
          'Send an Idempotency-Key header to make retries of this call safe (keys are scoped to the connection). ' +
          "The import's dates are replaced in the connection's tab; every other row stays. An import of a connection " +
          'still verifying its credentials waits for the check; an unhealthy connection answers 409 with what to do. ' +
          'Needs member.',
        security: bearerSecurity,
        headers: z.object({ 'idempotency-key': z.string().min(1).max(200).optional() }),
        body: ImportInput,
        response: { 202: ImportOutput, ...errors, 409: Problem },
      },
    },
    async (req, reply) => {
      const p = principalOf(req, 'member');
      const result = await requestImport(deps, {
        ...req.body,
        tenantId: p.tenantId,
        idempotencyKey: req.headers['idempotency-key'] ?? null,
      });
      if (result.kind === 'not-found') throw httpError(404, result.message, 'not-found');
      if (result.kind === 'rejected') throw httpError(result.status ?? 400, result.message, result.code);
      req.log.info({ importId: result.view.importId, customerId: result.view.customerId }, 'import requested');
      return reply.status(202).send(result.view);
    },
  );

  app.get(
    '/imports/:id',
    {
      schema: {
        description: "An import's status, progress and every step it went through, folded from its events.",
        security: bearerSecurity,
        params: z.object({ id: z.uuid() }),
        response: { 200: ImportOutput, ...errors },
      },
    },
    async (req) => {
      const view = await findImport(deps.pool, req.params.id, principalOf(req).tenantId);
      if (!view) throw httpError(404, `import ${req.params.id} does not exist`, 'not-found');
      return view;
    },
  );

  app.get(
    '/connections/:id/imports',
    {
      schema: {
        description: "A connection's imports, newest first.",
        security: bearerSecurity,
        params: z.object({ id: z.uuid() }),
        querystring: z.object({ limit: z.coerce.number().int().min(1).max(200).default(20) }),
        response: { 200: z.array(ImportOutput), ...errors },
      },
    },
    async (req) => listImports(deps.pool, req.params.id, req.query.limit, principalOf(req).tenantId),
  );
}
