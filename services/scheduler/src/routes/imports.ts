import { ImportRequestedV1, makeEvent } from '@reportline/contracts';
import {
  appendToOutbox,
  type Clock,
  type HttpApp,
  httpError,
  type OutboxRelay,
  type Pool,
  withTransaction,
} from '@reportline/platform';
import { z } from 'zod';
import { importRange } from '../domain/dates.ts';
import { evolveView, initialView } from '../domain/import-view.ts';
import { findConnection, findImport, findImportByIdempotencyKey, insertImport, listImports } from '../store.ts';
import { ImportInput, ImportOutput, Problem } from './schemas.ts';

export const SERVICE = 'scheduler';

export function importRoutes(app: HttpApp, deps: { pool: Pool; clock: Clock; relay: OutboxRelay }) {
  app.post(
    '/imports',
    {
      schema: {
        description:
          'Request an import of a connection. Every import, whatever its trigger, takes the same path through the NAVER lock. ' +
          'Send an Idempotency-Key header to make retries of this call safe (keys are scoped to the connection). ' +
          "The connection's sheet tab is replaced with exactly the rows of this import's date range.",
        headers: z.object({ 'idempotency-key': z.string().min(1).max(200).optional() }),
        body: ImportInput,
        response: { 202: ImportOutput, 400: Problem, 404: Problem },
      },
    },
    async (req, reply) => {
      const key = req.headers['idempotency-key'] ?? null;
      const connection = await findConnection(deps.pool, req.body.connectionId);
      if (!connection) throw httpError(404, `connection ${req.body.connectionId} does not exist`, 'not-found');
      if (key) {
        const existing = await findImportByIdempotencyKey(deps.pool, connection.id, key);
        if (existing) return reply.status(202).send(existing);
      }
      const now = deps.clock.now();
      const range = importRange(now, connection.historyDays, req.body.dateRange);
      if (!range.ok) throw httpError(400, range.reason, 'invalid-date-range');

      const importId = crypto.randomUUID();
      const requested = makeEvent(
        ImportRequestedV1,
        {
          connectionId: connection.id,
          trigger: req.body.trigger,
          priority: 'on-demand',
          reportTypes: connection.reportTypes,
          dateRange: range.range,
          target: { spreadsheetId: connection.spreadsheetId, sheetName: connection.sheetName },
        },
        { source: SERVICE, importId, customerId: connection.customerId, now },
      );
      const view = evolveView(initialView(importId, connection.customerId), requested);
      const raced = await withTransaction(deps.pool, async (tx) => {
        // Two requests with one key racing: the unique index lets one insert; the other answers with its import.
        const inserted = await insertImport(tx, {
          view,
          connectionId: connection.id,
          idempotencyKey: key,
          requestedAt: now,
        });
        if (!inserted) return true;
        await tx.query('INSERT INTO platform.inbox (consumer, event_id) VALUES ($1, $2)', [
          'scheduler-projection',
          requested.id,
        ]);
        await tx.query(
          'INSERT INTO scheduler.import_events (event_id, import_id, type, time, event) VALUES ($1, $2, $3, $4, $5)',
          [requested.id, importId, requested.type, requested.time, JSON.stringify(requested)],
        );
        await appendToOutbox(tx, SERVICE, [requested]);
        return false;
      });
      if (raced && key) {
        const winner = await findImportByIdempotencyKey(deps.pool, connection.id, key);
        if (winner) return reply.status(202).send(winner);
      }
      deps.relay.nudge();
      req.log.info({ importId, customerId: connection.customerId }, 'import requested');
      return reply.status(202).send(view);
    },
  );

  app.get(
    '/imports/:id',
    {
      schema: {
        description: "An import's status, progress and every step it went through, folded from its events.",
        params: z.object({ id: z.uuid() }),
        response: { 200: ImportOutput, 404: Problem },
      },
    },
    async (req) => {
      const view = await findImport(deps.pool, req.params.id);
      if (!view) throw httpError(404, `import ${req.params.id} does not exist`, 'not-found');
      return view;
    },
  );

  app.get(
    '/connections/:id/imports',
    {
      schema: {
        params: z.object({ id: z.uuid() }),
        querystring: z.object({ limit: z.coerce.number().int().min(1).max(200).default(20) }),
        response: { 200: z.array(ImportOutput) },
      },
    },
    async (req) => listImports(deps.pool, req.params.id, req.query.limit),
  );
}
