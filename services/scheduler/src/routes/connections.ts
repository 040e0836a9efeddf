import { type HttpApp, httpError } from '@reportline/platform';
import { z } from 'zod';
import { bearerSecurity, principalOf } from '../auth/authenticate.ts';
import type { ConnectionLifecycle } from '../connection-lifecycle.ts';
import type { Connection } from '../connection-store.ts';
import { findConnection, listConnections } from '../connection-store.ts';
import { ConnectionInput, ConnectionOutput, ConnectionPatch, ImportOutput, Problem } from './schemas.ts';

const errors = { 400: Problem, 401: Problem, 403: Problem, 404: Problem };
const Params = z.object({ id: z.uuid() });

/** A connection as the API shows it: never its credentials (they are only in the secret store). */
export const shownConnection = (c: Connection): z.infer<typeof ConnectionOutput> => ({
  id: c.id,
  name: c.name,
  customerId: c.customerId,
  reportTypes: c.reportTypes,
  historyDays: c.historyDays,
  spreadsheetId: c.spreadsheetId,
  sheetName: c.sheetName,
  status: c.status,
  health: c.health,
  scheduleTime: c.scheduleTime,
  paused: c.pausedAt !== null,
  layout: c.layout,
  principalEmail: c.principalEmail,
  createdAt: c.createdAt,
  updatedAt: c.updatedAt,
});

/** An opaque cursor: the position after the last item of a page. */
export const encodeCursor = (at: string, id: string) => Buffer.from(JSON.stringify([at, id])).toString('base64url');
export function decodeCursor(cursor: string): { at: string; id: string } {
  try {
    const [at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (typeof at === 'string' && !Number.isNaN(Date.parse(at)) && z.uuid().safeParse(id).success) return { at, id };
  } catch {}
  throw httpError(
    400,
    'cursor is not one this API handed out; use nextCursor from the previous page',
    'invalid-cursor',
  );
}

export function connectionRoutes(app: HttpApp, lifecycle: ConnectionLifecycle) {
  const { pool } = lifecycle.deps;
  const found = async (tenantId: string, id: string) => {
    const c = await findConnection(pool, id, { tenantId });
    if (!c) throw httpError(404, `your tenant has no connection ${id}`, 'not-found');
    return c;
  };

  app.post(
    '/connections',
    {
      schema: {
        description:
          'Connects a NAVER customer id to a tab of a Google Sheet. The target is checked at once (the sheets-writer ' +
          'proves it can write it; 422 with what to do when not). The API key and secret are stored encrypted, never ' +
          'returned, and checked with NAVER by the naver-fetcher: until then the connection is verifying and its ' +
          'first import (queued here) waits. Needs member.',
        security: bearerSecurity,
        body: ConnectionInput,
        response: {
          201: ConnectionOutput.extend({ firstImport: ImportOutput }),
          ...errors,
          422: Problem,
          503: Problem,
        },
      },
    },
    async (req, reply) => {
      const p = principalOf(req, 'member');
      const created = await lifecycle.create(p.tenantId, req.body);
      req.log.info(
        { connectionId: created.connection.id, customerId: created.connection.customerId },
        'connection created',
      );
      return reply.status(201).send({ ...shownConnection(created.connection), firstImport: created.firstImport });
    },
  );

  app.get(
    '/connections',
    {
      schema: {
        description: "Your tenant's connections, oldest first, a page at a time.",
        security: bearerSecurity,
        querystring: z.object({
          limit: z.coerce.number().int().min(1).max(200).default(50),
          cursor: z.string().max(200).optional(),
        }),
        response: {
          200: z.object({ items: z.array(ConnectionOutput), nextCursor: z.string().nullable() }),
          ...errors,
        },
      },
    },
    async (req) => {
      const p = principalOf(req);
      const after = req.query.cursor ? decodeCursor(req.query.cursor) : undefined;
      const page = await listConnections(pool, p.tenantId, {
        limit: req.query.limit + 1,
        after: after && { createdAt: after.at, id: after.id },
      });
      const items = page.slice(0, req.query.limit);
      const last = items.at(-1);
      return {
        items: items.map(shownConnection),
        nextCursor: page.length > req.query.limit && last ? encodeCursor(last.createdAt, last.id) : null,
      };
    },
  );

  app.get(
    '/connections/:id',
    { schema: { security: bearerSecurity, params: Params, response: { 200: ConnectionOutput, ...errors } } },
    async (req) => shownConnection(await found(principalOf(req).tenantId, req.params.id)),
  );

  app.patch(
    '/connections/:id',
    {
      schema: {
        description:
          'Changes a connection. New credentials are checked with NAVER again (verifying until then); a new target ' +
          'is checked by the sheets-writer first (422 with what to do when it cannot be written). Needs member.',
        security: bearerSecurity,
        params: Params,
        body: ConnectionPatch,
        response: { 200: ConnectionOutput, ...errors, 422: Problem, 503: Problem },
      },
    },
    async (req) => {
      const p = principalOf(req, 'member');
      return shownConnection(await lifecycle.update(await found(p.tenantId, req.params.id), req.body));
    },
  );

  for (const action of ['pause', 'resume', 'verify'] as const) {
    app.post(
      `/connections/:id/${action}`,
      {
        schema: {
          description: {
            pause: 'Stops the daily schedule; imports asked for by hand still run. Needs member.',
            resume: 'Restarts the daily schedule. Needs member.',
            verify: "Checks the connection's credentials with NAVER again (verifying until then). Needs member.",
          }[action],
          security: bearerSecurity,
          params: Params,
          response: { 200: ConnectionOutput, ...errors },
        },
      },
      async (req) => {
        const p = principalOf(req, 'member');
        const c = await found(p.tenantId, req.params.id);
        return shownConnection(await lifecycle[action](c));
      },
    );
  }

  app.delete(
    '/connections/:id',
    {
      schema: {
        description:
          'Deletes a connection: its schedule stops, its credentials are erased; the sheet is left as it is. Needs member.',
        security: bearerSecurity,
        params: Params,
        response: { 204: z.null(), ...errors },
      },
    },
    async (req, reply) => {
      const p = principalOf(req, 'member');
      await lifecycle.remove(await found(p.tenantId, req.params.id));
      return reply.status(204).send(null);
    },
  );
}
