import { naverSecretRef } from '@reportline/contracts';
import {
  type HttpApp,
  httpError,
  type Pool,
  type Queryable,
  type SecretStore,
  withTransaction,
} from '@reportline/platform';
import { z } from 'zod';
import { findConnection, insertConnection } from '../store.ts';
import { ConnectionInput, ConnectionOutput, Problem } from './schemas.ts';

export function connectionRoutes(app: HttpApp, deps: { pool: Pool; secrets: (db: Queryable) => SecretStore }) {
  app.post(
    '/connections',
    {
      schema: {
        description:
          'Connect a NAVER customer id to a Google Sheet. The API key and secret are stored encrypted and never returned.',
        body: ConnectionInput,
        response: { 201: ConnectionOutput, 400: Problem },
      },
    },
    async (req, reply) => {
      const { apiKey, secret, ...rest } = req.body;
      const id = crypto.randomUUID();
      const connection = await withTransaction(deps.pool, async (tx) => {
        await deps.secrets(tx).put(naverSecretRef(id), { customerId: rest.customerId, apiKey, secret });
        return insertConnection(tx, { id, ...rest });
      });
      return reply.status(201).send(connection);
    },
  );

  app.get(
    '/connections/:id',
    { schema: { params: z.object({ id: z.uuid() }), response: { 200: ConnectionOutput, 404: Problem } } },
    async (req) => {
      const c = await findConnection(deps.pool, req.params.id);
      if (!c) throw httpError(404, `connection ${req.params.id} does not exist`, 'not-found');
      return c;
    },
  );
}
