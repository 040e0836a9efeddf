import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { until } from '@reportline/dev/wait';
import { createPool, type InMemoryBus, type Pool, type Running, systemClock } from '@reportline/platform';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alertPayload } from '../src/alerts/delivery-rules.ts';
import { alertRaiser } from '../src/alerts/raise.ts';
import type { Scope } from '../src/auth/tokens.ts';
import { answerCheck, type Inject, postConnection, startInMemoryScheduler } from './in-memory-scheduler.ts';

/**
 * The alert routes through the scheduler's real wiring (bearer auth, the delivery loop it starts) on the in-memory
 * bus and real Postgres, called with app.inject; alerts go to a real receiver on 127.0.0.1.
 */
let bus: InMemoryBus;
let scheduler: Running;
let inject: Inject;
let pool: Pool;
let server: Server;
let base: string;
const received: { path: string; headers: IncomingHttpHeaders; body: string }[] = [];

beforeAll(async () => {
  let databaseUrl: string;
  ({ bus, scheduler, inject, databaseUrl } = await startInMemoryScheduler({
    raiseAlert: alertRaiser({ clock: systemClock }),
  }));
  pool = createPool(databaseUrl);
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      received.push({ path: req.url ?? '', headers: req.headers, body });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await scheduler?.close();
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  await pool?.end();
});

/** A new tenant (created by the operator) with one token of each scope. */
async function tenant(name: string): Promise<Record<Scope, string> & { id: string }> {
  const created = await inject({
    method: 'POST',
    url: '/tenants',
    payload: { name: `${name}-${crypto.randomUUID()}` },
  });
  expect(created.statusCode).toBe(201);
  const { tenant: t, adminToken } = created.json();
  const tokens: Record<Scope, string> = { admin: adminToken.token, member: '', 'read-only': '' };
  for (const scope of ['member', 'read-only'] as const) {
    const res = await call(adminToken.token, 'POST', '/tokens', { name: scope, scope });
    expect(res.statusCode).toBe(201);
    tokens[scope] = res.json().token;
  }
  return { id: t.id, ...tokens };
}

type Method = 'GET' | 'PUT' | 'POST' | 'DELETE';
/** A call with `token`, or with no authorization at all. */
const call = (token: string | undefined, method: Method, url: string, payload?: object) =>
  inject({ method, url, payload, headers: { authorization: token ? `Bearer ${token}` : '' } });

describe('alert routes', () => {
  it('turn away a caller without a token', async () => {
    for (const [method, url] of [
      ['GET', '/alerts/webhook'],
      ['PUT', '/alerts/webhook'],
      ['DELETE', '/alerts/webhook'],
      ['POST', '/alerts/test'],
      ['GET', '/alerts/deliveries'],
    ] as const) {
      expect((await call(undefined, method, url)).statusCode).toBe(401);
    }
  });

  it('set a webhook with its secret shown once, send a test alert to it signed, and log it delivered', async () => {
    const a = await tenant('a');
    const put = await call(a.admin, 'PUT', '/alerts/webhook', { url: `${base}/hook?token=t0ken`, format: 'json' });
    expect(put.statusCode).toBe(200);
    const { secret, ...webhook } = put.json();
    expect(secret).toMatch(/^whsec_/);
    expect(webhook).toMatchObject({ url: `${base}/hook?…`, format: 'json' });
    const got = await call(a['read-only'], 'GET', '/alerts/webhook');
    expect(got.statusCode).toBe(200);
    expect(got.json()).toEqual(webhook);
    expect(got.body).not.toContain('t0ken');

    const test = await call(a.member, 'POST', '/alerts/test');
    expect(test.statusCode).toBe(202);
    const delivery = test.json();
    expect(delivery).toMatchObject({ kind: 'test', status: 'queued', payload: { kind: 'test', tenantId: a.id } });
    const arrived = await until('the test alert at the receiver', () =>
      received.find((r) => r.headers['x-reportline-delivery'] === delivery.id),
    );
    expect(arrived.path).toBe('/hook?token=t0ken');
    const ts = arrived.headers['x-reportline-timestamp'];
    const expected = createHmac('sha256', secret).update(`${ts}.${arrived.body}`).digest('hex');
    expect(arrived.headers['x-reportline-signature']).toBe(`sha256=${expected}`);
    expect(arrived.headers['x-reportline-event']).toBe('test');

    const log = await until('the delivery logged delivered', async () => {
      const res = await call(a['read-only'], 'GET', '/alerts/deliveries');
      const d = res.json().deliveries.find((x: { id: string }) => x.id === delivery.id);
      return d?.status === 'delivered' ? d : undefined;
    });
    expect(log).toMatchObject({ attempts: 1, lastStatusCode: 204, lastError: null, payload: JSON.parse(arrived.body) });
    expect(log.deliveredAt).not.toBeNull();
  });

  it('are documented in the OpenAPI document, each with bearer security', async () => {
    const res = await call(undefined, 'GET', '/openapi.json');
    const doc = res.json();
    for (const [path, method] of [
      ['/alerts/webhook', 'put'],
      ['/alerts/webhook', 'get'],
      ['/alerts/webhook', 'delete'],
      ['/alerts/test', 'post'],
      ['/alerts/deliveries', 'get'],
    ] as const) {
      const op = doc.paths[path][method];
      expect(op.description).toBeTruthy();
      expect(op.security).toEqual([{ bearer: [] }]);
    }
  });

  it('refuses bad input with 400 naming the field', async () => {
    const a = await tenant('bad-input');
    const http = await call(a.admin, 'PUT', '/alerts/webhook', { url: 'http://example.com/hook' });
    expect(http.statusCode).toBe(400);
    expect(http.json().detail).toContain('url');
    expect(http.json().detail).toContain('https');
    const format = await call(a.admin, 'PUT', '/alerts/webhook', { url: 'https://example.com/hook', format: 'xml' });
    expect(format.statusCode).toBe(400);
    expect(format.json().detail).toContain('format');
    const limit = await call(a.admin, 'GET', '/alerts/deliveries?limit=0');
    expect(limit.statusCode).toBe(400);
    expect(limit.json().detail).toContain('limit');
    const cursor = await call(a.admin, 'GET', '/alerts/deliveries?cursor=nonsense');
    expect(cursor.statusCode).toBe(400);
    expect(cursor.json().detail).toContain('cursor');
    const status = await call(a.admin, 'GET', '/alerts/deliveries?status=lost');
    expect(status.statusCode).toBe(400);
    expect(status.json().detail).toContain('status');
  });

  it('need admin to change the webhook and member to send a test alert', async () => {
    const a = await tenant('scopes');
    const url = 'https://example.com/hook';
    expect((await call(a.member, 'PUT', '/alerts/webhook', { url })).statusCode).toBe(403);
    expect((await call(a['read-only'], 'PUT', '/alerts/webhook', { url })).statusCode).toBe(403);
    expect((await call(a.member, 'DELETE', '/alerts/webhook')).statusCode).toBe(403);
    expect((await call(a['read-only'], 'POST', '/alerts/test')).statusCode).toBe(403);
  });

  it("keep tenants apart: B sees neither A's webhook nor A's deliveries, and cannot remove A's webhook", async () => {
    const a = await tenant('iso-a');
    const b = await tenant('iso-b');
    await call(a.admin, 'PUT', '/alerts/webhook', { url: `${base}/iso-a` });
    const sent = (await call(a.member, 'POST', '/alerts/test')).json();
    expect((await call(b.admin, 'GET', '/alerts/webhook')).statusCode).toBe(404);
    expect((await call(b.admin, 'DELETE', '/alerts/webhook')).statusCode).toBe(404);
    const bLog = (await call(b.admin, 'GET', '/alerts/deliveries')).json();
    expect(bLog).toEqual({ deliveries: [], nextCursor: null });
    const aLog = (await call(a.admin, 'GET', '/alerts/deliveries')).json();
    expect(aLog.deliveries.map((d: { id: string }) => d.id)).toEqual([sent.id]);
    expect((await call(a.admin, 'GET', '/alerts/webhook')).statusCode).toBe(200);
  });

  it('page the log newest first, filter it by status, and log alerts raised without a webhook as no-webhook', async () => {
    const c = await tenant('pages');
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await call(c.member, 'POST', '/alerts/test')).json().id);
    const seen: { id: string; createdAt: string; status: string }[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const q: string = cursor ? `&cursor=${cursor}` : '';
      const page = (await call(c['read-only'], 'GET', `/alerts/deliveries?limit=2${q}`)).json();
      expect(page.deliveries.length).toBeLessThanOrEqual(2);
      seen.push(...page.deliveries);
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(new Set(seen.map((d) => d.id))).toEqual(new Set(ids));
    expect(seen.map((d) => d.createdAt)).toEqual(
      seen
        .map((d) => d.createdAt)
        .sort()
        .reverse(),
    );
    expect(seen.every((d) => d.status === 'no-webhook')).toBe(true);
    const delivered = (await call(c['read-only'], 'GET', '/alerts/deliveries?status=delivered')).json();
    expect(delivered.deliveries).toEqual([]);
    const none = (await call(c['read-only'], 'GET', '/alerts/deliveries?status=no-webhook&limit=100')).json();
    expect(none.deliveries).toHaveLength(5);
  });

  it('remove the webhook with its secret; alerts still queued are then not sent', async () => {
    const d = await tenant('delete');
    await call(d.admin, 'PUT', '/alerts/webhook', { url: 'https://unreachable.invalid/hook', format: 'slack' });
    // Queued, and due only later: the loop does not try it before the webhook is gone.
    const id = crypto.randomUUID();
    const payload = alertPayload(id, {
      tenantId: d.id,
      kind: 'test',
      connectionId: null,
      customerId: null,
      importId: null,
      title: 'later',
      message: 'later',
      action: null,
      at: new Date(),
      dedupeKey: 'later',
    });
    await pool.query(
      `INSERT INTO scheduler.alert_deliveries (id, tenant_id, webhook_id, kind, dedupe_key, payload, status,
         next_attempt_at, created_at)
       SELECT $2, tenant_id, id, 'test', 'later', $3, 'queued', now() + interval '1 hour', now()
       FROM scheduler.alert_webhooks WHERE tenant_id = $1`,
      [d.id, id, JSON.stringify(payload)],
    );
    expect((await call(d.admin, 'DELETE', '/alerts/webhook')).statusCode).toBe(204);
    expect((await call(d.admin, 'GET', '/alerts/webhook')).statusCode).toBe(404);
    const secrets = await pool.query('SELECT 1 FROM platform.secrets WHERE ref = $1', [`alert-webhook:${d.id}`]);
    expect(secrets.rowCount).toBe(0);
    const log = (await call(d.admin, 'GET', '/alerts/deliveries')).json();
    expect(log.deliveries.map((x: { id: string; status: string }) => [x.id, x.status])).toEqual([[id, 'no-webhook']]);
  });

  it('deliver the alert a connection raises when NAVER refuses its credentials, once per check', async () => {
    const a = await tenant('lifecycle');
    await call(a.admin, 'PUT', '/alerts/webhook', { url: `${base}/lifecycle` });
    const created = await postConnection(
      (opts) => call(a.member, opts.method as Method, opts.url as string, opts.payload as object),
      '338099',
    );
    expect(created.statusCode).toBe(201);
    const connectionId = created.json().id;
    const check = await until('CredentialsCheckRequested on the bus', () =>
      bus.published.find((e) => e.type === 'CredentialsCheckRequested' && e.data.connectionId === connectionId),
    );
    const refused = answerCheck(check, {
      ok: false,
      code: 'naver-credentials-invalid',
      message: 'NAVER refused the API key',
      action: 'Enter a new API key and secret',
    });
    await bus.publish([refused]);
    await bus.publish([refused]); // redelivered: raises nothing new
    const arrived = await until('the credentials alert at the receiver', () =>
      received.find((r) => r.path === '/lifecycle' && r.headers['x-reportline-event'] === 'credentials-unhealthy'),
    );
    expect(JSON.parse(arrived.body)).toMatchObject({
      kind: 'credentials-unhealthy',
      tenantId: a.id,
      connectionId,
      customerId: '338099',
      message: 'NAVER refused the API key',
      action: 'Enter a new API key and secret',
    });
    const log = await until('the alert logged delivered', async () => {
      const page = (await call(a['read-only'], 'GET', '/alerts/deliveries')).json();
      return page.deliveries.every((d: { status: string }) => d.status === 'delivered') ? page.deliveries : undefined;
    });
    expect(log).toHaveLength(1);
    expect(received.filter((r) => r.path === '/lifecycle')).toHaveLength(1);
  });
});
