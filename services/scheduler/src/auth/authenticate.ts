import { type Clock, type HttpApp, httpError, type Pool } from '@reportline/platform';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { useToken } from './store.ts';
import { hashToken, type Scope, scopeAllows, tokenPrefix } from './tokens.ts';

/** Who a request acts for: one tenant, through one token. */
export interface Principal {
  tenantId: string;
  tokenId: string;
  scope: Scope;
  /** The config's bootstrap token: it may also create tenants. */
  operator: boolean;
}

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
}

/**
 * Routes anyone may call: probes, metrics, the API's own documentation, and the dashboard's page and assets (they hold
 * no data: the page calls the API with the token its user signs in with).
 */
const PUBLIC = [/^\/health(\/|$)/, /^\/metrics$/, /^\/docs(\/|$)/, /^\/openapi\.json$/, /^\/$/, /^\/ui\//];
const isPublic = (url: string) => PUBLIC.some((p) => p.test(url.split('?')[0]!));

/** The OpenAPI security scheme every non-public route declares. */
export const bearerSecurity = [{ bearer: [] }];
export const securitySchemes = {
  bearer: {
    type: 'http',
    scheme: 'bearer',
    description:
      'An API token of your tenant (rl_…). Scopes: read-only reads; member also creates and changes connections and ' +
      'imports; admin also manages tokens and alerts.',
  },
} as const;

function unauthenticated(req: FastifyRequest, reply: FastifyReply, detail: string) {
  return reply
    .status(401)
    .header('www-authenticate', 'Bearer realm="reportline"')
    .type('application/problem+json')
    .send({
      type: 'urn:reportline:problem:unauthenticated',
      title: 'an API token is required',
      status: 401,
      detail,
      instance: req.url,
    });
}

/**
 * Bearer auth on every route but the public ones, as `onRequest`: an unauthenticated caller is turned away before its
 * body is parsed and learns nothing of the route. The 401 never echoes what was sent.
 */
export function authenticate(app: HttpApp, deps: { pool: Pool; clock: Clock }) {
  app.decorateRequest('principal', null);
  app.addHook('onRequest', async (req, reply) => {
    if (isPublic(req.url)) return;
    const token = /^Bearer (\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
    if (!token) return unauthenticated(req, reply, 'send authorization: Bearer <your API token>');
    const record = await useToken(deps.pool, hashToken(token), deps.clock.now());
    if (!record) return unauthenticated(req, reply, 'this token is unknown or was revoked; ask an admin for a new one');
    req.principal = {
      tenantId: record.tenantId,
      tokenId: record.id,
      scope: record.scope,
      operator: record.operator,
    };
    req.log = req.log.child({ tenantId: record.tenantId, apiToken: tokenPrefix(token) });
  });
}

/** The request's principal, holding at least `scope`; 403 naming the scope needed otherwise. */
export function principalOf(req: FastifyRequest, scope: Scope = 'read-only'): Principal {
  const p = req.principal;
  if (!p) throw httpError(401, 'an API token is required', 'unauthenticated');
  if (!scopeAllows(p.scope, scope)) {
    throw httpError(403, `this needs a token with scope ${scope} or higher; yours is ${p.scope}`, 'forbidden');
  }
  return p;
}
