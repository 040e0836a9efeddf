import { createHmac, randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isolatedEnvironment } from '@reportline/dev/test-environment';
import { until } from '@reportline/dev/wait';
import {
  createLogger,
  createPool,
  manualClock,
  type Pool,
  type Queryable,
  withTransaction,
} from '@reportline/platform';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alert } from '../src/alerts/alert.ts';
import { type AlertDeliveryDeps, deliverDueAlerts, startAlertDelivery } from '../src/alerts/delivery-loop.ts';
import { insertAlert } from '../src/alerts/raise.ts';
import { findDelivery, putWebhook } from '../src/alerts/store.ts';

/**
 * The delivery loop against real Postgres and a real HTTP receiver on 127.0.0.1. Time is a manual clock: backoff is
 * passed by moving it, never by sleeping.
 */
interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}
/** Per path, the statuses to answer in turn (the last one repeats); 'hang' never answers. */
const answers = new Map<string, (number | 'hang')[]>();
const received: Received[] = [];
let server: Server;
let base: string;
let pool: Pool;
let databaseUrl: string;
const key = Buffer.alloc(32, 7);
const clock = manualClock(new Date('2026-12-01T00:00:00Z'));
const raise = (db: Queryable, a: Alert) => insertAlert(db, clock, a);
const logLines: string[] = [];
const logger = createLogger('scheduler-test', 'info', { write: (s: string) => void logLines.push(s) });

const deps = (over: Partial<AlertDeliveryDeps> = {}): AlertDeliveryDeps => ({
  pool,
  clock,
  logger,
  secretsKey: key,
  maxAttempts: 8,
  timeoutMs: 2_000,
  random: () => 0.5,
  ...over,
});

beforeAll(async () => {
  databaseUrl = (await isolatedEnvironment()).databaseUrl;
  pool = createPool(databaseUrl, { max: 10 });
  server = createServer((req, res: ServerResponse) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      const path = req.url ?? '';
      received.push({ path, headers: req.headers, body });
      const queue = answers.get(path.split('?')[0]!) ?? [200];
      const status = queue.length > 1 ? queue.shift()! : queue[0]!;
      if (status === 'hang') return;
      res.writeHead(status, { 'content-type': 'text/plain' }).end(status >= 400 ? `no thanks (${status})` : 'ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  await pool?.end();
});

/** A tenant with a webhook at `path` answering `statuses` in turn; its id and signing secret. */
async function tenantWithWebhook(
  path: string,
  statuses: (number | 'hang')[],
  format: 'json' | 'slack' = 'json',
  query = '',
) {
  const tenantId = randomUUID();
  await pool.query('INSERT INTO scheduler.tenants (id, name) VALUES ($1, $2)', [tenantId, `t-${tenantId}`]);
  answers.set(path, statuses);
  const { secret } = await withTransaction(pool, (tx) =>
    putWebhook(tx, key, { tenantId, url: `${base}${path}${query}`, format, now: clock.now() }),
  );
  return { tenantId, secret };
}

const alertOf = (tenantId: string, over: Partial<Alert> = {}): Alert => ({
  tenantId,
  kind: 'import-failed',
  connectionId: randomUUID(),
  customerId: '338047',
  importId: randomUUID(),
  title: 'Import failed for 338047 → Sheet 로우데이터',
  message: 'NAVER refused the credentials',
  action: 'Enter a new API key and secret',
  at: clock.now(),
  dedupeKey: `import-failed:${randomUUID()}`,
  ...over,
});

const raised = async (a: Alert) => (await withTransaction(pool, (tx) => raise(tx, a)))!;
const at = (path: string) => received.filter((r) => r.path.split('?')[0] === path);
const row = async (tenantId: string, id: string) => (await findDelivery(pool, tenantId, id))!;

describe('delivering alerts to a webhook', () => {
  it('sends an alert once, signed over "<timestamp>.<body>" with the webhook secret', async () => {
    const { tenantId, secret } = await tenantWithWebhook('/once', [200]);
    const id = await raised(alertOf(tenantId));
    await deliverDueAlerts(deps());
    await deliverDueAlerts(deps());
    const got = at('/once');
    expect(got).toHaveLength(1);
    const h = got[0]!.headers;
    expect(h['content-type']).toBe('application/json');
    expect(h['x-reportline-event']).toBe('import-failed');
    expect(h['x-reportline-delivery']).toBe(id);
    expect(h['x-reportline-timestamp']).toBe(String(clock.now().getTime() / 1000));
    const expected = createHmac('sha256', secret)
      .update(`${h['x-reportline-timestamp']}.${got[0]!.body}`)
      .digest('hex');
    expect(h['x-reportline-signature']).toBe(`sha256=${expected}`);
    expect(JSON.parse(got[0]!.body)).toMatchObject({ id, tenantId, kind: 'import-failed', customerId: '338047' });
    expect(await row(tenantId, id)).toMatchObject({
      status: 'delivered',
      attempts: 1,
      lastStatusCode: 200,
      lastError: null,
      deliveredAt: clock.now().toISOString(),
      nextAttemptAt: null,
    });
  });

  it('retries a receiver answering 500 twice after the backoff, and logs it delivered at the third attempt', async () => {
    const { tenantId } = await tenantWithWebhook('/flaky', [500, 500, 200]);
    const id = await raised(alertOf(tenantId));
    await deliverDueAlerts(deps());
    expect(await row(tenantId, id)).toMatchObject({ status: 'queued', attempts: 1, lastStatusCode: 500 });
    expect((await row(tenantId, id)).lastError).toContain('HTTP 500');
    expect((await row(tenantId, id)).nextAttemptAt).toBe(new Date(clock.now().getTime() + 30_000).toISOString());
    await deliverDueAlerts(deps());
    expect(at('/flaky')).toHaveLength(1); // not due yet
    clock.advance(30_000);
    await deliverDueAlerts(deps());
    expect(await row(tenantId, id)).toMatchObject({ status: 'queued', attempts: 2 });
    expect((await row(tenantId, id)).nextAttemptAt).toBe(new Date(clock.now().getTime() + 60_000).toISOString());
    clock.advance(60_000);
    await deliverDueAlerts(deps());
    expect(at('/flaky')).toHaveLength(3);
    expect(new Set(at('/flaky').map((r) => r.headers['x-reportline-delivery']))).toEqual(new Set([id]));
    expect(await row(tenantId, id)).toMatchObject({
      status: 'delivered',
      attempts: 3,
      lastStatusCode: 200,
      lastError: null,
    });
  });

  it('fails at once when the receiver answers 410, without a retry', async () => {
    const { tenantId } = await tenantWithWebhook('/gone', [410]);
    const id = await raised(alertOf(tenantId));
    await deliverDueAlerts(deps());
    clock.advance(2 * 60 * 60_000);
    await deliverDueAlerts(deps());
    expect(at('/gone')).toHaveLength(1);
    expect(await row(tenantId, id)).toMatchObject({
      status: 'failed',
      attempts: 1,
      lastStatusCode: 410,
      lastError: 'HTTP 410: no thanks (410)',
      nextAttemptAt: null,
    });
  });

  it('gives up after the last attempt with its error: nothing retries forever', async () => {
    const { tenantId } = await tenantWithWebhook('/down', [503]);
    const id = await raised(alertOf(tenantId));
    for (let i = 0; i < 5; i++) {
      await deliverDueAlerts(deps({ maxAttempts: 3 }));
      clock.advance(60 * 60_000);
    }
    expect(at('/down')).toHaveLength(3);
    const r = await row(tenantId, id);
    expect(r).toMatchObject({ status: 'failed', attempts: 3, lastStatusCode: 503 });
    expect(r.lastError).toBe('HTTP 503: no thanks (503) (gave up after 3 attempts)');
  });

  it('counts a receiver that does not answer within the timeout as a failed attempt, retried later', async () => {
    const { tenantId } = await tenantWithWebhook('/slow', ['hang', 200]);
    const id = await raised(alertOf(tenantId));
    await deliverDueAlerts(deps({ timeoutMs: 200 }));
    expect(await row(tenantId, id)).toMatchObject({
      status: 'queued',
      attempts: 1,
      lastStatusCode: null,
      lastError: 'no answer within 200 ms',
    });
    clock.advance(30_000);
    await deliverDueAlerts(deps({ timeoutMs: 200 }));
    expect(await row(tenantId, id)).toMatchObject({ status: 'delivered', attempts: 2 });
  });

  it('tries again an attempt whose scheduler died once its claim lapsed, and gives up when none is left', async () => {
    const { tenantId } = await tenantWithWebhook('/crashed', [200]);
    const retried = await raised(alertOf(tenantId));
    const exhausted = await raised(alertOf(tenantId));
    // As a claim leaves the rows: the attempt counted, the row held past the attempt's end, and no outcome recorded.
    const claim = async (id: string, attempts: number) =>
      pool.query('UPDATE scheduler.alert_deliveries SET attempts = $2, next_attempt_at = $3 WHERE id = $1', [
        id,
        attempts,
        new Date(clock.now().getTime() + 62_000),
      ]);
    await claim(retried, 1);
    await claim(exhausted, 3);
    await deliverDueAlerts(deps({ maxAttempts: 3 }));
    expect(at('/crashed')).toHaveLength(0);
    clock.advance(62_000);
    await deliverDueAlerts(deps({ maxAttempts: 3 }));
    expect(at('/crashed').map((r) => r.headers['x-reportline-delivery'])).toEqual([retried]);
    expect(await row(tenantId, retried)).toMatchObject({ status: 'delivered', attempts: 2 });
    expect(await row(tenantId, exhausted)).toMatchObject({
      status: 'failed',
      attempts: 3,
      lastError: 'the last attempt never reported back (its scheduler stopped) (gave up after 3 attempts)',
    });
  });

  it('sends a Slack message to a slack webhook, and never logs the query of its URL', async () => {
    const { tenantId } = await tenantWithWebhook('/slack', [500, 200], 'slack', '?token=hush-hush');
    const id = await raised(alertOf(tenantId));
    await deliverDueAlerts(deps());
    clock.advance(30_000);
    await deliverDueAlerts(deps());
    const got = at('/slack');
    expect(got).toHaveLength(2);
    expect(got[0]!.path).toBe('/slack?token=hush-hush');
    const body = JSON.parse(got[1]!.body);
    expect(body.text).toContain('Import failed for 338047');
    expect(body.blocks[0].text.text).toMatch(/^\*Import failed/);
    expect(JSON.stringify(body.blocks.at(-1))).toContain(id);
    expect(await row(tenantId, id)).toMatchObject({ status: 'delivered', attempts: 2 });
    expect(logLines.some((l) => l.includes(id))).toBe(true);
    expect(logLines.join('\n')).not.toContain('hush-hush');
  });

  it('records an alert of a tenant without a webhook as no-webhook, and raises a dedupe key once', async () => {
    const tenantId = randomUUID();
    await pool.query('INSERT INTO scheduler.tenants (id, name) VALUES ($1, $2)', [tenantId, `t-${tenantId}`]);
    const a = alertOf(tenantId);
    const id = await raised(a);
    expect(await withTransaction(pool, (tx) => raise(tx, { ...a, title: 'again' }))).toBeUndefined();
    await deliverDueAlerts(deps());
    expect(await row(tenantId, id)).toMatchObject({ status: 'no-webhook', attempts: 0, payload: { title: a.title } });
    const { rows } = await pool.query(
      'SELECT count(*)::int AS n FROM scheduler.alert_deliveries WHERE tenant_id = $1',
      [tenantId],
    );
    expect(rows[0].n).toBe(1);
  });

  it('raises nothing when the caller rolls back: the alert exists only with the fact that caused it', async () => {
    const { tenantId } = await tenantWithWebhook('/rolled-back', [200]);
    await expect(
      withTransaction(pool, async (tx) => {
        await raise(tx, alertOf(tenantId));
        throw new Error('the fact did not commit');
      }),
    ).rejects.toThrow();
    await deliverDueAlerts(deps());
    expect(at('/rolled-back')).toHaveLength(0);
  });

  it('sends each alert exactly once with two delivery loops on one database', async () => {
    const { tenantId } = await tenantWithWebhook('/two-loops', [200]);
    const ids = [];
    for (let i = 0; i < 40; i++) ids.push(await raised(alertOf(tenantId)));
    const other = createPool(databaseUrl, { max: 10 });
    const stops = [
      startAlertDelivery({ ...deps(), batchSize: 3, everyMs: 20 }),
      startAlertDelivery({ ...deps(), pool: other, batchSize: 3, everyMs: 20 }),
    ];
    try {
      await until('every alert delivered', async () => {
        const { rows } = await pool.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM scheduler.alert_deliveries WHERE tenant_id = $1 AND status = 'delivered'",
          [tenantId],
        );
        return rows[0]!.n === ids.length ? true : undefined;
      });
    } finally {
      await Promise.all(stops.map((s) => s()));
      await other.end();
    }
    const sent = at('/two-loops').map((r) => r.headers['x-reportline-delivery']);
    expect(sent).toHaveLength(ids.length);
    expect(new Set(sent)).toEqual(new Set(ids));
  });
});
