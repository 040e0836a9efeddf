import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { FakeConfig, Permission, SeedSpreadsheet } from './config.ts';
import { GoogleApiError } from './errors.ts';
import type { FakeMethod, FakeState } from './state.ts';
import { spreadsheetHtml, spreadsheetView } from './views.ts';

const FaultRule = z.object({
  kind: z.enum(['500', '503', 'drop', 'drop-before-apply']),
  method: z
    .enum([
      'spreadsheets.get',
      'spreadsheets.create',
      'spreadsheets.batchUpdate',
      'values.get',
      'values.batchGet',
      'values.update',
      'values.batchUpdate',
      'values.append',
      'values.clear',
      'values.batchClear',
    ])
    .optional(),
  times: z.number().int().positive().optional(),
  skip: z.number().int().min(0).optional(),
});

const ConfigPatch = FakeConfig.pick({ projectNumber: true })
  .partial()
  .extend({
    limits: z.record(z.string(), z.number()).optional(),
    faults: z.record(z.string(), z.number()).optional(),
  });

function json(body: unknown): unknown {
  if (Buffer.isBuffer(body)) return body.length ? JSON.parse(body.toString('utf8')) : {};
  return body ?? {};
}

function badRequest(reply: FastifyReply, err: unknown) {
  const message = err instanceof z.ZodError ? z.prettifyError(err) : err instanceof Error ? err.message : String(err);
  return reply.code(400).send(new GoogleApiError(400, 'INVALID_ARGUMENT', message).toBody());
}

/**
 * `/_fake/*`: test and demo controls that are not part of Google's API and never count against quotas or faults.
 */
export function fakeControlRoutes(app: FastifyInstance, state: FakeState): void {
  app.post('/_fake/spreadsheets', async (request, reply) => {
    try {
      const ss = state.seedSpreadsheet(SeedSpreadsheet.parse(json(request.body)));
      return spreadsheetView(ss, `http://${request.headers.host ?? '127.0.0.1'}`);
    } catch (err) {
      return badRequest(reply, err);
    }
  });

  app.get<{ Params: { id: string } }>('/_fake/spreadsheets/:id', async (request, reply) => {
    const ss = state.spreadsheets.get(request.params.id);
    if (!ss) return reply.code(404).type('text/plain').send(`no spreadsheet ${request.params.id}`);
    const html = spreadsheetHtml(ss, (title) => state.readTab(ss.spreadsheetId, title, 'FORMATTED_VALUE'));
    return reply.type('text/html; charset=utf-8').send(html);
  });

  app.get<{ Params: { id: string } }>('/_fake/spreadsheets/:id/tabs', async (request, reply) => {
    try {
      return state.listTabs(request.params.id);
    } catch (err) {
      return reply.code(404).send(new GoogleApiError(404, 'NOT_FOUND', (err as Error).message).toBody());
    }
  });

  app.get<{ Params: { id: string; tab: string } }>(
    '/_fake/spreadsheets/:id/tabs/:tab/values',
    async (request, reply) => {
      try {
        return { values: state.readTab(request.params.id, request.params.tab) };
      } catch (err) {
        return reply.code(404).send(new GoogleApiError(404, 'NOT_FOUND', (err as Error).message).toBody());
      }
    },
  );

  app.post<{ Params: { id: string } }>('/_fake/spreadsheets/:id/permissions', async (request, reply) => {
    if (!state.spreadsheets.has(request.params.id)) {
      return reply.code(404).send(new GoogleApiError(404, 'NOT_FOUND', 'Requested entity was not found.').toBody());
    }
    try {
      const p = Permission.parse(json(request.body));
      state.share(request.params.id, p.emailAddress, p.role);
      return { spreadsheetId: request.params.id, ...p };
    } catch (err) {
      return badRequest(reply, err);
    }
  });

  app.get('/_fake/requests', async () => {
    const byMethod: Partial<Record<FakeMethod, number>> = {};
    for (const r of state.requests) byMethod[r.method] = (byMethod[r.method] ?? 0) + 1;
    return { total: state.requests.length, byMethod };
  });

  app.post('/_fake/faults', async (request, reply) => {
    try {
      state.injectFault(FaultRule.parse(json(request.body)));
      return { ok: true };
    } catch (err) {
      return badRequest(reply, err);
    }
  });

  app.patch('/_fake/config', async (request, reply) => {
    try {
      state.setConfig(ConfigPatch.parse(json(request.body)));
      return { limits: state.config.limits, faults: state.config.faults, projectNumber: state.config.projectNumber };
    } catch (err) {
      return badRequest(reply, err);
    }
  });

  app.post('/_fake/reset', async () => {
    state.reset();
    return { ok: true };
  });
}
