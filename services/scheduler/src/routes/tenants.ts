import { type HttpApp, httpError, type Pool, withTransaction } from '@reportline/platform';
import { z } from 'zod';
import { bearerSecurity, principalOf } from '../auth/authenticate.ts';
import { findTenant, insertTenant, insertToken, listTokens, revokeToken } from '../auth/store.ts';
import { mintToken, SCOPES } from '../auth/tokens.ts';
import { Problem } from './schemas.ts';

const TokenOutput = z.object({
  id: z.uuid(),
  name: z.string(),
  scope: z.enum(SCOPES),
  prefix: z.string().describe('The public part of the token (rl_<prefix>_…), to tell tokens apart.'),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
});
const Minted = TokenOutput.extend({
  token: z.string().describe('The token itself. Shown this once: only its hash is kept.'),
});
const TokenInput = z.object({
  name: z.string().trim().min(1).max(100),
  scope: z.enum(SCOPES).default('member'),
});
const TenantOutput = z.object({ id: z.uuid(), name: z.string(), createdAt: z.string() });
const errors = { 400: Problem, 401: Problem, 403: Problem };

const shown = ({
  tenantId: _t,
  operator: _o,
  ...t
}: { tenantId: string; operator: boolean } & z.infer<typeof TokenOutput>) => t;

export function tenantRoutes(app: HttpApp, deps: { pool: Pool; clock: { now(): Date } }) {
  app.post(
    '/tenants',
    {
      schema: {
        description:
          'Creates a tenant and its first admin token (shown once). Only the operator token from the scheduler config ' +
          '(BOOTSTRAP_ADMIN_TOKEN) may do this.',
        security: bearerSecurity,
        body: z.object({ name: z.string().trim().min(1).max(100) }),
        response: { 201: z.object({ tenant: TenantOutput, adminToken: Minted }), ...errors, 409: Problem },
      },
    },
    async (req, reply) => {
      const p = principalOf(req, 'admin');
      if (!p.operator) throw httpError(403, 'only the operator token from the config may create tenants', 'forbidden');
      const created = await withTransaction(deps.pool, async (tx) => {
        const tenant = await insertTenant(tx, req.body.name);
        if (!tenant) return undefined;
        const minted = mintToken();
        const record = await insertToken(tx, { tenantId: tenant.id, name: 'first admin', scope: 'admin', ...minted });
        return { tenant, adminToken: { ...shown(record), token: minted.token } };
      });
      if (!created) throw httpError(409, `a tenant named ${req.body.name} exists already`, 'conflict');
      return reply.status(201).send(created);
    },
  );

  app.get(
    '/tenant',
    {
      schema: {
        description: "The caller's tenant and the scope of the token used.",
        security: bearerSecurity,
        response: { 200: TenantOutput.extend({ scope: z.enum(SCOPES) }), 401: Problem },
      },
    },
    async (req) => {
      const p = principalOf(req);
      const tenant = await findTenant(deps.pool, p.tenantId);
      if (!tenant) throw httpError(401, 'the tenant of this token no longer exists', 'unauthenticated');
      return { ...tenant, scope: p.scope };
    },
  );

  app.post(
    '/tokens',
    {
      schema: {
        description:
          'Issues an API token for your tenant. The token is in this answer only: store it now. Needs admin.',
        security: bearerSecurity,
        body: TokenInput,
        response: { 201: Minted, ...errors },
      },
    },
    async (req, reply) => {
      const p = principalOf(req, 'admin');
      const minted = mintToken();
      const record = await insertToken(deps.pool, { tenantId: p.tenantId, ...req.body, ...minted });
      return reply.status(201).send({ ...shown(record), token: minted.token });
    },
  );

  app.get(
    '/tokens',
    {
      schema: {
        description: "Your tenant's tokens, revoked ones included; never the tokens themselves. Needs admin.",
        security: bearerSecurity,
        response: { 200: z.array(TokenOutput), ...errors },
      },
    },
    async (req) => (await listTokens(deps.pool, principalOf(req, 'admin').tenantId)).map(shown),
  );

  app.delete(
    '/tokens/:id',
    {
      schema: {
        description: 'Revokes a token of your tenant: it is refused from the next request on. Needs admin.',
        security: bearerSecurity,
        params: z.object({ id: z.uuid() }),
        response: { 204: z.null(), ...errors, 404: Problem },
      },
    },
    async (req, reply) => {
      const p = principalOf(req, 'admin');
      if (!(await revokeToken(deps.pool, p.tenantId, req.params.id, deps.clock.now())))
        throw httpError(404, `your tenant has no live token ${req.params.id}`, 'not-found');
      return reply.status(204).send(null);
    },
  );
}
