import { type Clock, type HttpApp, httpError, type OutboxRelay, type Pool } from '@reportline/platform';
import { z } from 'zod';
import { bearerSecurity, principalOf } from '../auth/authenticate.ts';
import { cancelImport } from '../cancel-import.ts';
import { decodeImportCursor, encodeImportCursor } from '../domain/import-cursor.ts';
import { ImportStatus } from '../domain/import-view.ts';
import { requestImport } from '../request-import.ts';
import { findImport, listImportsPage } from '../store.ts';
import { ImportInput, ImportOutput, Problem } from './schemas.ts';

const errors = { 400: Problem, 401: Problem, 403: Problem, 404: Problem };
const Params = z.object({ id: z.uuid() });

const RequestedImport = ImportOutput.extend({
  coalesced: z
    .boolean()
    .describe('True when an open import already covering these dates answered (HTTP 200) instead of a new one (202).'),
});

const ListQuery = z.object({
  connectionId: z.uuid().optional().describe("Only this connection's imports."),
  status: ImportStatus.optional(),
  from: z.iso.datetime({ offset: true }).optional().describe('Requested at or after this time (ISO 8601).'),
  to: z.iso.datetime({ offset: true }).optional().describe('Requested before this time (ISO 8601).'),
  limit: z.coerce.number().int().min(1).max(200).default(20),
  cursor: z.string().max(500).optional().describe('nextCursor of the previous page.'),
});

const ImportPage = z.object({
  items: z.array(ImportOutput),
  nextCursor: z.string().nullable().describe('Pass as cursor for the next page; null on the last page.'),
});

export function importRoutes(app: HttpApp, deps: { pool: Pool; clock: Clock; relay: OutboxRelay }) {
  app.post(
    '/imports',
    {
      schema: {
        description:
          'Request an import of a connection. Every import, whatever its trigger, takes the same path: the naver-fetcher ' +
          "serves the reports it already stores and asks NAVER, under the customer id's lock, only for the rest. " +
          'Send an Idempotency-Key header to make retries of this call safe (keys are scoped to the connection). ' +
          'When an import of the connection that is still queued or running already covers these dates and report ' +
          'types, it answers (200, coalesced: true) instead of a new one; force: true starts a new one anyway. ' +
          "The import's dates are replaced in the connection's tab; every other row stays. An import of a connection " +
          'still verifying its credentials waits for the check; an unhealthy connection answers 409 with what to do. ' +
          'Needs member.',
        security: bearerSecurity,
        headers: z.object({ 'idempotency-key': z.string().min(1).max(200).optional() }),
        body: ImportInput,
        response: { 200: RequestedImport, 202: RequestedImport, ...errors, 409: Problem },
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
      const coalesced = result.coalesced === true;
      req.log.info(
        { importId: result.view.importId, customerId: result.view.customerId, coalesced },
        coalesced ? 'import request coalesced' : 'import requested',
      );
      return reply.status(coalesced ? 200 : 202).send({ ...result.view, coalesced });
    },
  );

  app.get(
    '/imports',
    {
      schema: {
        description:
          "Your tenant's imports, newest first, filtered by connection, status and request time. Pages by cursor: " +
          'pass nextCursor as cursor until it is null; imports requested meanwhile never shift a page.',
        security: bearerSecurity,
        querystring: ListQuery,
        response: { 200: ImportPage, ...errors },
      },
    },
    async (req) => {
      const p = principalOf(req);
      const { cursor, from, to, ...filters } = req.query;
      const after = cursor === undefined ? undefined : decodeImportCursor(cursor);
      if (cursor !== undefined && !after) {
        throw httpError(
          400,
          'cursor is not one this API handed out; pass nextCursor of the previous page, or leave it out for the first page',
          'invalid-cursor',
        );
      }
      if (from && to && Date.parse(from) >= Date.parse(to)) {
        throw httpError(400, 'from must be before to', 'invalid-time-range');
      }
      const page = await listImportsPage(deps.pool, { ...filters, from, to, after, tenantId: p.tenantId });
      return { items: page.items, nextCursor: page.next && encodeImportCursor(page.next) };
    },
  );

  app.get(
    '/imports/:id',
    {
      schema: {
        description:
          "An import's status, progress, timings, failure with what to do, and its steps summarised by kind, folded " +
          'from its events.',
        security: bearerSecurity,
        params: Params,
        response: { 200: ImportOutput, ...errors },
      },
    },
    async (req) => {
      const view = await findImport(deps.pool, req.params.id, principalOf(req).tenantId);
      if (!view) throw httpError(404, `import ${req.params.id} does not exist`, 'not-found');
      return view;
    },
  );

  app.delete(
    '/imports/:id',
    {
      schema: {
        description:
          'Cancels an import still waiting: queued for its lease, or held while its connection verifies. It ends ' +
          'failed (stage queue, code cancelled) and leaves the lock queue. An import whose work started, or that ' +
          'ended, answers 409 saying why. Needs member.',
        security: bearerSecurity,
        params: Params,
        response: { 202: ImportOutput, ...errors, 409: Problem },
      },
    },
    async (req, reply) => {
      const p = principalOf(req, 'member');
      const result = await cancelImport(deps, { importId: req.params.id, tenantId: p.tenantId, tokenId: p.tokenId });
      if (result.kind === 'not-found') throw httpError(404, result.message, 'not-found');
      if (result.kind === 'conflict') throw httpError(409, result.message, 'not-cancellable');
      req.log.info({ importId: result.view.importId, customerId: result.view.customerId }, 'import cancelled');
      return reply.status(202).send(result.view);
    },
  );

  app.get(
    '/connections/:id/imports',
    {
      schema: {
        description: "A connection's imports, newest first (GET /imports?connectionId= pages through all of them).",
        security: bearerSecurity,
        params: Params,
        querystring: z.object({ limit: z.coerce.number().int().min(1).max(200).default(20) }),
        response: { 200: z.array(ImportOutput), ...errors },
      },
    },
    async (req) =>
      (
        await listImportsPage(deps.pool, {
          connectionId: req.params.id,
          limit: req.query.limit,
          tenantId: principalOf(req).tenantId,
        })
      ).items,
  );
}
