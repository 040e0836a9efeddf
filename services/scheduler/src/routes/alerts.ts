import { randomUUID } from 'node:crypto';
import { type Clock, type HttpApp, httpError, type Pool, withTransaction } from '@reportline/platform';
import { z } from 'zod';
import { ALERT_KINDS } from '../alerts/alert.ts';
import { nudgeAlertDelivery } from '../alerts/delivery-loop.ts';
import { WEBHOOK_FORMATS, webhookUrlProblem } from '../alerts/delivery-rules.ts';
import { insertAlert } from '../alerts/raise.ts';
import {
  DELIVERY_STATUSES,
  decodeCursor,
  deleteWebhook,
  findDelivery,
  findWebhook,
  listDeliveries,
  putWebhook,
} from '../alerts/store.ts';
import { bearerSecurity, principalOf } from '../auth/authenticate.ts';
import { Problem } from './schemas.ts';

const WebhookInput = z.object({
  url: z
    .string()
    .max(2000)
    .superRefine((url, ctx) => {
      const problem = webhookUrlProblem(url);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    })
    .describe('Where alerts are POSTed: https (http only for localhost or 127.0.0.1).'),
  format: z
    .enum(WEBHOOK_FORMATS)
    .default('json')
    .describe('json: the alert as JSON, signed; slack: a message for a Slack incoming webhook (signed too).'),
});

const WebhookOutput = z.object({
  id: z.uuid(),
  url: z.string().describe('Scheme, host and path; never the query, which may carry a token.'),
  format: z.enum(WEBHOOK_FORMATS),
  createdAt: z.string(),
  updatedAt: z.string(),
});
const WebhookWithSecret = WebhookOutput.extend({
  secret: z
    .string()
    .describe(
      'The signing secret. Shown this once: store it now. Each delivery has x-reportline-signature: ' +
        'sha256=<hex HMAC-SHA256 of "<x-reportline-timestamp>.<body>" with this secret>.',
    ),
});

const PayloadOutput = z.object({
  id: z.uuid(),
  kind: z.enum(ALERT_KINDS),
  tenantId: z.uuid(),
  connectionId: z.string().nullable(),
  customerId: z.string().nullable(),
  importId: z.string().nullable(),
  title: z.string(),
  message: z.string(),
  action: z.string().nullable(),
  at: z.string(),
});

const DeliveryOutput = z.object({
  id: z.uuid(),
  kind: z.enum(ALERT_KINDS),
  status: z
    .enum(DELIVERY_STATUSES)
    .describe('queued: waiting for an attempt; no-webhook: raised while your tenant had no webhook, never sent.'),
  attempts: z.number().int(),
  nextAttemptAt: z.string().nullable(),
  lastStatusCode: z.number().int().nullable().describe("The receiver's HTTP status at the last attempt."),
  lastError: z.string().nullable(),
  createdAt: z.string(),
  deliveredAt: z.string().nullable(),
  payload: PayloadOutput.describe('The alert, as a json webhook receives it.'),
});

const DeliveriesQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(200).optional().describe('nextCursor of the previous page.'),
  status: z.enum(DELIVERY_STATUSES).optional(),
});

const errors = { 400: Problem, 401: Problem, 403: Problem };

export interface AlertRouteDeps {
  pool: Pool;
  clock: Clock;
  /** SECRETS_KEY: the webhook's URL and signing secret are stored encrypted with it. */
  secretsKey: Buffer;
}

export function alertRoutes(app: HttpApp, deps: AlertRouteDeps) {
  app.put(
    '/alerts/webhook',
    {
      schema: {
        description:
          "Sets your tenant's alert webhook, with a new signing secret shown in this answer only (a replaced webhook's " +
          'secret stops working; alerts still queued go to the new URL). Needs admin.',
        security: bearerSecurity,
        body: WebhookInput,
        response: { 200: WebhookWithSecret, ...errors },
      },
    },
    async (req) => {
      const p = principalOf(req, 'admin');
      const { webhook, secret } = await withTransaction(deps.pool, (tx) =>
        putWebhook(tx, deps.secretsKey, { tenantId: p.tenantId, ...req.body, now: deps.clock.now() }),
      );
      return { ...webhook, secret };
    },
  );

  app.get(
    '/alerts/webhook',
    {
      schema: {
        description: "Your tenant's alert webhook, without its secret; 404 when there is none.",
        security: bearerSecurity,
        response: { 200: WebhookOutput, 401: Problem, 404: Problem },
      },
    },
    async (req) => {
      const p = principalOf(req);
      const webhook = await findWebhook(deps.pool, p.tenantId);
      if (!webhook) throw httpError(404, 'your tenant has no alert webhook; PUT /alerts/webhook sets one', 'not-found');
      return webhook;
    },
  );

  app.delete(
    '/alerts/webhook',
    {
      schema: {
        description:
          "Removes your tenant's alert webhook and its secret. Alerts still queued are not sent (no-webhook). Needs admin.",
        security: bearerSecurity,
        response: { 204: z.null(), ...errors, 404: Problem },
      },
    },
    async (req, reply) => {
      const p = principalOf(req, 'admin');
      if (!(await withTransaction(deps.pool, (tx) => deleteWebhook(tx, p.tenantId))))
        throw httpError(404, 'your tenant has no alert webhook', 'not-found');
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/alerts/test',
    {
      schema: {
        description:
          'Raises a test alert (kind test) and sends it to your webhook now; its delivery shows in ' +
          'GET /alerts/deliveries. Needs member.',
        security: bearerSecurity,
        response: { 202: DeliveryOutput, ...errors },
      },
    },
    async (req, reply) => {
      const p = principalOf(req, 'member');
      const id = await insertAlert(deps.pool, deps.clock, {
        tenantId: p.tenantId,
        kind: 'test',
        connectionId: null,
        customerId: null,
        importId: null,
        title: 'Test alert from Reportline',
        message: 'Your alert webhook works: this is what an alert looks like.',
        action: null,
        at: deps.clock.now(),
        dedupeKey: `test:${randomUUID()}`,
      });
      nudgeAlertDelivery(deps.pool);
      const delivery = id && (await findDelivery(deps.pool, p.tenantId, id));
      if (!delivery) throw new Error('the test alert was not recorded');
      return reply.status(202).send(delivery);
    },
  );

  app.get(
    '/alerts/deliveries',
    {
      schema: {
        description:
          "Your tenant's alerts and their delivery, newest first: attempts, status, the receiver's last answer, the " +
          'payload. Pass nextCursor as cursor for the next page.',
        security: bearerSecurity,
        querystring: DeliveriesQuery,
        response: {
          200: z.object({ deliveries: z.array(DeliveryOutput), nextCursor: z.string().nullable() }),
          400: Problem,
          401: Problem,
        },
      },
    },
    async (req) => {
      const p = principalOf(req);
      const cursor = req.query.cursor === undefined ? undefined : decodeCursor(req.query.cursor);
      if (req.query.cursor !== undefined && !cursor)
        throw httpError(400, 'cursor is not a nextCursor of GET /alerts/deliveries', 'invalid-request');
      return listDeliveries(deps.pool, {
        tenantId: p.tenantId,
        limit: req.query.limit,
        cursor,
        status: req.query.status,
      });
    },
  );
}
