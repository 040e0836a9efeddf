import { type HttpApp, httpError, type Pool } from '@reportline/platform';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { bearerSecurity, principalOf } from '../auth/authenticate.ts';
import type { ImportView } from '../domain/import-view.ts';
import { storedView } from '../domain/import-view.ts';
import { currentPosition, type FeedEntry, formatPosition, parsePosition } from '../sse/feed.ts';
import { defaultSseOptions, type SseMessage, type SseOptions, SseStreams, streamFeed } from '../sse/stream.ts';
import { findImport } from '../store.ts';
import { Problem } from './schemas.ts';

const STREAM_DOC =
  'A text/event-stream. Each event has an id (send the last one you got back as Last-Event-ID to resume exactly ' +
  'after it) and one of the kinds `import` (data: {connectionId, view}, the import as GET /imports/:id shows it), ' +
  '`connection` (health, status, schedule of one of your connections) and `lock` (a lease event of one of your ' +
  "imports: LeaseRequested, LockQueued, LockGranted, LeaseReleased, LeaseExpired, with the customer id). A ': " +
  "keepalive' comment comes every 15 s. A client reading slower than its events arrive is disconnected and should " +
  'resume with Last-Event-ID. Browsers: EventSource cannot send the authorization header, so read it with fetch() ' +
  'and a stream reader (the dashboard at / does).';

const Headers = z.object({ 'last-event-id': z.string().max(64).optional() });

const lastEventId = (req: FastifyRequest) => {
  const raw = (req.headers as { 'last-event-id'?: string })['last-event-id'];
  if (raw === undefined || raw === '') return undefined;
  const position = parsePosition(raw);
  if (!position)
    throw httpError(400, 'last-event-id: not an id this stream sent; reconnect without it', 'invalid-request');
  return position;
};

/** False once the token the stream was opened with is revoked. */
const authorizedAs = (pool: Pool, tokenId: string) => async () =>
  ((await pool.query('SELECT 1 FROM scheduler.api_tokens WHERE id = $1 AND revoked_at IS NULL', [tokenId])).rowCount ??
    0) > 0;

function toMessage(e: FeedEntry): SseMessage {
  const data = e.kind === 'import' ? { ...e.payload, view: storedView(e.payload.view as ImportView) } : e.payload;
  return { id: formatPosition(e.position), event: e.kind, data };
}

/** The SSE routes; `streams` lets the app end every open stream when it closes. */
export function eventRoutes(app: HttpApp, deps: { pool: Pool; options?: Partial<SseOptions> }) {
  const options = { ...defaultSseOptions, ...deps.options };
  const streams = new SseStreams(deps.pool);
  app.addHook('preClose', async () => streams.closeAll());
  const ctx = { pool: deps.pool, options, streams };

  app.get(
    '/events',
    {
      schema: {
        description: `Everything of your tenant as it happens: import views, connection health and lock events. ${STREAM_DOC}`,
        security: bearerSecurity,
        headers: Headers,
        response: { 400: Problem, 401: Problem },
      },
    },
    async (req, reply) => {
      const p = principalOf(req);
      const after = lastEventId(req) ?? (await currentPosition(deps.pool));
      streamFeed(req, reply, ctx, {
        filter: { tenantId: p.tenantId },
        after,
        toMessage,
        stillAuthorized: authorizedAs(deps.pool, p.tokenId),
      });
    },
  );

  app.get(
    '/imports/:id/events',
    {
      schema: {
        description:
          "One import's progress and steps as they happen. Without Last-Event-ID the stream opens with the import's " +
          `current view. ${STREAM_DOC}`,
        security: bearerSecurity,
        params: z.object({ id: z.uuid() }),
        headers: Headers,
        response: { 400: Problem, 401: Problem, 404: Problem },
      },
    },
    async (req, reply) => {
      const p = principalOf(req);
      const resume = lastEventId(req);
      // The position is taken before the view is read: a change in between is sent after the view, never lost.
      const after = resume ?? (await currentPosition(deps.pool));
      const view = await findImport(deps.pool, req.params.id, p.tenantId);
      if (!view) throw httpError(404, `import ${req.params.id} does not exist`, 'not-found');
      const first = resume ? [] : [{ id: formatPosition(after), event: 'import', data: { view } }];
      streamFeed(req, reply, ctx, {
        filter: { tenantId: p.tenantId, importId: req.params.id },
        after,
        first,
        toMessage,
        stillAuthorized: authorizedAs(deps.pool, p.tokenId),
      });
    },
  );
}
