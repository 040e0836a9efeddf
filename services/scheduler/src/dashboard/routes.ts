import { readFileSync } from 'node:fs';
import type { ImportRequest } from '@reportline/contracts';
import { type HttpApp, httpError, type Pool } from '@reportline/platform';
import { z } from 'zod';
import { bearerSecurity, principalOf } from '../auth/authenticate.ts';
import { Problem } from '../routes/schemas.ts';
import type { LockView } from '../service-clients.ts';
import { pickLang, renderPage } from './page.ts';
import { timelineRoute } from './timeline.ts';

const ASSETS: Record<string, string> = {
  'app.js': 'text/javascript; charset=utf-8',
  'ui.js': 'text/javascript; charset=utf-8',
  'view.js': 'text/javascript; charset=utf-8',
  'style.css': 'text/css; charset=utf-8',
  'i18n.json': 'application/json; charset=utf-8',
};
const files = new Map(
  Object.keys(ASSETS).map((name) => [name, readFileSync(new URL(`./assets/${name}`, import.meta.url))]),
);

/**
 * Everything is from this service: no inline script, no other origin. The token lives in sessionStorage, so an
 * injected script is what would steal it; this policy is what keeps one from running.
 */
const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-cache',
};

export function dashboardRoutes(app: HttpApp, deps: { pool: Pool; lockView: LockView }) {
  app.get(
    '/',
    { schema: { hide: true, querystring: z.object({ lang: z.enum(['en', 'ko']).optional() }) } },
    async (req, reply) =>
      reply
        .headers(SECURITY_HEADERS)
        .type('text/html; charset=utf-8')
        .send(renderPage(pickLang(req.query.lang, req.headers['accept-language']))),
  );
  app.get('/ui/:file', { schema: { hide: true, params: z.object({ file: z.string() }) } }, async (req, reply) => {
    const body = files.get(req.params.file);
    if (!body) throw httpError(404, `no dashboard asset ${req.params.file}`, 'not-found');
    return reply.headers(SECURITY_HEADERS).type(ASSETS[req.params.file]!).send(body);
  });

  timelineRoute(app, deps);

  app.get(
    '/imports/:id/request',
    {
      schema: {
        description:
          'What an import was asked for (its ImportRequested): trigger, dates and report types, e.g. to ask again ' +
          'for the same dates with POST /imports.',
        security: bearerSecurity,
        params: z.object({ id: z.uuid() }),
        response: {
          200: z.object({
            importId: z.uuid(),
            connectionId: z.uuid(),
            trigger: z.string(),
            dateRange: z.object({ from: z.string(), to: z.string() }),
            reportTypes: z.array(z.string()),
          }),
          401: Problem,
          404: Problem,
        },
      },
    },
    async (req) => {
      const p = principalOf(req);
      const { rows } = await deps.pool.query<{ connection_id: string; data: ImportRequest }>(
        `SELECT i.connection_id, e.event->'data' AS data FROM scheduler.imports i
         JOIN scheduler.connections c ON c.id = i.connection_id
         JOIN scheduler.import_events e ON e.import_id = i.import_id AND e.type = 'ImportRequested'
         WHERE i.import_id = $1 AND c.tenant_id = $2 LIMIT 1`,
        [req.params.id, p.tenantId],
      );
      const r = rows[0];
      if (!r) throw httpError(404, `import ${req.params.id} does not exist`, 'not-found');
      const { trigger, dateRange, reportTypes } = r.data;
      return { importId: req.params.id, connectionId: r.connection_id, trigger, dateRange, reportTypes };
    },
  );
}
