import { setTimeout as delay } from 'node:timers/promises';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { type FakeConfigInput, parseConfig } from './config.ts';
import { fakeControlRoutes } from './control.ts';
import { GoogleApiError, internalError, invalidArgument, payloadTooLarge, unavailable } from './errors.ts';
import { applyFieldMask, parseFieldMask } from './field-mask.ts';
import { execute, matchRoute } from './routes.ts';
import { type FakeState, type FaultKind, FakeState as State } from './state.ts';

export interface FakeDeps {
  /** Milliseconds; drives the quota windows. Tests pass a fake clock. */
  now: () => number;
  /** [0, 1); drives the random fault rates. */
  random?: () => number;
  /** Used for `latencyMs`. */
  sleep?: (ms: number) => Promise<void>;
}

export interface SheetsFake {
  app: FastifyInstance;
  state: FakeState;
}

// Far above Google's 10 MiB cap so the fake itself answers oversize payloads with Google's message.
const TRANSPORT_BODY_LIMIT = 256 * 1024 * 1024;

export function buildSheetsFake(config: FakeConfigInput | undefined, deps: FakeDeps): SheetsFake {
  const state = new State(parseConfig(config));
  const random = deps.random ?? Math.random;
  const sleep = deps.sleep ?? ((ms: number) => delay(ms).then(() => undefined));
  const app = Fastify({ logger: false, bodyLimit: TRANSPORT_BODY_LIMIT });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  function randomFault(): FaultKind | undefined {
    const { error500Rate, error503Rate, dropResponseRate } = state.config.faults;
    const x = random();
    if (x < error500Rate) return '500';
    if (x < error500Rate + error503Rate) return '503';
    if (x < error500Rate + error503Rate + dropResponseRate) return 'drop';
    return undefined;
  }

  async function handle(request: FastifyRequest, reply: FastifyReply) {
    const route = matchRoute(request.method, request.url);
    if (!route) {
      return reply
        .code(404)
        .send(
          new GoogleApiError(
            404,
            'NOT_FOUND',
            `Method not found: ${request.method} ${request.url.split('?')[0]}`,
          ).toBody(),
        );
    }
    const user = /^Bearer\s+(.+)$/i.exec(request.headers.authorization ?? '')?.[1] ?? 'anonymous';
    const record: FakeState['requests'][number] = {
      method: route.method,
      httpMethod: request.method,
      spreadsheetId: route.spreadsheetId,
      user,
      at: deps.now(),
    };
    state.requests.push(record);
    const { faults, limits, projectNumber } = state.config;
    if (faults.latencyMs > 0) await sleep(faults.latencyMs);
    const drop = () => {
      record.outcome = 'dropped';
      reply.hijack();
      request.raw.socket.destroy();
    };
    try {
      const raw = Buffer.isBuffer(request.body) ? request.body : undefined;
      record.bodyBytes = raw?.length ?? 0;
      if (raw && raw.length > limits.maxPayloadBytes) throw payloadTooLarge(limits.maxPayloadBytes);
      const kind = request.method === 'GET' ? 'read' : 'write';
      const quotaError = state.quota.admit(kind, user, deps.now(), limits, projectNumber);
      if (quotaError) throw quotaError;
      const fault = state.takeFault(route.method) ?? randomFault();
      if (fault === '500') throw internalError();
      if (fault === '503') throw unavailable();
      if (fault === 'drop-before-apply') return drop();
      const body = parseJson(raw);
      const query = new URLSearchParams(request.url.split('?')[1] ?? '');
      const fields = query.get('fields');
      const mask = fields ? parseFieldMask(fields) : undefined;
      const full = execute(state, route, query, body, `http://${request.headers.host ?? '127.0.0.1'}`, user);
      // Google's `fields` parameter trims any method's response (a partial response).
      const result = mask ? applyFieldMask(full, mask) : full;
      if (fault === 'drop') return drop();
      record.outcome = 200;
      return reply.code(200).send(result);
    } catch (err) {
      const error = err instanceof GoogleApiError ? err : internalError();
      if (!(err instanceof GoogleApiError)) request.log.error(err);
      record.outcome = error.code;
      return reply.code(error.code).send(error.toBody());
    }
  }

  app.route({ method: ['GET', 'POST', 'PUT'], url: '/v4/*', handler: handle });
  fakeControlRoutes(app, state);
  return { app, state };
}

export function parseJson(raw: Buffer | undefined): Record<string, unknown> {
  if (!raw || raw.length === 0) return {};
  try {
    const parsed: unknown = JSON.parse(raw.toString('utf8'));
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // fall through to Google's message
  }
  throw invalidArgument('Invalid JSON payload received. Expected an object.');
}

export interface RunningSheetsFake {
  /** `http://127.0.0.1:<port>`; pass `url + '/'` as the client's rootUrl. */
  url: string;
  state: FakeState;
  close(): Promise<void>;
}

export async function startSheetsFake(
  config?: FakeConfigInput,
  options: { port?: number; host?: string } & Partial<FakeDeps> = {},
): Promise<RunningSheetsFake> {
  const { port = 0, host = '127.0.0.1', now = Date.now, ...deps } = options;
  const { app, state } = buildSheetsFake(config, { now, ...deps });
  await app.listen({ port, host });
  const address = app.server.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  return { url: `http://${host}:${actualPort}`, state, close: () => app.close() };
}
