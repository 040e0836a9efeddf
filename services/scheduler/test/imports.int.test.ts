import { LockGrantedV1, makeEvent, type ReportlineEvent } from '@reportline/contracts';
import { until } from '@reportline/dev/wait';
import { createPool, type InMemoryBus, type Pool, type Running } from '@reportline/platform';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  answerCheck,
  createConnection,
  type Inject,
  postConnection,
  startInMemoryScheduler,
} from './in-memory-scheduler.ts';

/** The imports API (list, coalescing, cancel) through the scheduler's wiring, in-memory bus and real Postgres. */
let bus: InMemoryBus;
let scheduler: Running;
let inject: Inject;
let pool: Pool;
let customer = 440_000;
const nextCustomer = () => String(++customer);

beforeAll(async () => {
  let databaseUrl: string;
  ({ bus, scheduler, inject, databaseUrl } = await startInMemoryScheduler());
  pool = createPool(databaseUrl);
});

afterAll(async () => {
  await scheduler?.close();
  await pool?.end();
});

const range = (from: string, to: string) => ({ from, to });
const post = (payload: Record<string, unknown>, headers: Record<string, string> = {}) =>
  inject({ method: 'POST', url: '/imports', payload, headers });
const get = (url: string, headers: Record<string, string> = {}) => inject({ method: 'GET', url, headers });
const connect = async () =>
  (await createConnection(inject, bus, nextCustomer())).json() as { id: string; customerId: string };
const published = (importId: string, type: ReportlineEvent['type']) =>
  bus.published.filter((e) => e.importId === importId && e.type === type);

async function tenantToken(name: string, scope?: 'member' | 'read-only') {
  const created = await inject({ method: 'POST', url: '/tenants', payload: { name } });
  expect(created.statusCode).toBe(201);
  const admin = created.json().adminToken.token as string;
  if (!scope) return admin;
  const minted = await inject({
    method: 'POST',
    url: '/tokens',
    payload: { name: scope, scope },
    headers: { authorization: `Bearer ${admin}` },
  });
  return minted.json().token as string;
}

describe('GET /imports', () => {
  it('pages through the imports newest first by cursor, never repeating or skipping one when others are inserted', async () => {
    const c = await connect();
    const ids: string[] = [];
    for (let day = 1; day <= 5; day++) {
      const d = `2026-10-0${day}`;
      const res = await post({ connectionId: c.id, dateRange: range(d, d) });
      expect(res.statusCode).toBe(202);
      ids.push(res.json().importId);
    }
    const first = await get(`/imports?connectionId=${c.id}&limit=2`);
    expect(first.statusCode).toBe(200);
    // Every import of the connection (its first-link import too), as one page lists them before the insert.
    const all = (await get(`/imports?connectionId=${c.id}&limit=200`))
      .json()
      .items.map((i: { importId: string }) => i.importId);
    expect(all).toHaveLength(6);
    expect(all).toEqual(expect.arrayContaining(ids));
    expect(first.json().items.map((i: { importId: string }) => i.importId)).toEqual(all.slice(0, 2));
    // An import requested between two pages is newer than the cursor: later pages neither show nor shift for it.
    const last = Date.now();
    await until('the clock moved on', () => Date.now() > last + 2 || undefined);
    const inserted = (await post({ connectionId: c.id, dateRange: range('2026-10-09', '2026-10-09') })).json();
    const seen = [...first.json().items];
    let cursor: string | null = first.json().nextCursor;
    while (cursor) {
      const page = await get(`/imports?connectionId=${c.id}&limit=2&cursor=${encodeURIComponent(cursor)}`);
      expect(page.statusCode).toBe(200);
      seen.push(...page.json().items);
      cursor = page.json().nextCursor;
    }
    expect(seen.map((i) => i.importId)).toEqual(all);
    expect(seen.map((i) => i.importId)).not.toContain(inserted.importId);
  });

  it('filters by status and by request time', async () => {
    const c = await connect();
    const a = (await post({ connectionId: c.id, dateRange: range('2026-10-01', '2026-10-01') })).json();
    const between = new Date().toISOString();
    await until('the clock moved past the first request', () => Date.now() > Date.parse(between) + 2 || undefined);
    const b = (await post({ connectionId: c.id, dateRange: range('2026-10-02', '2026-10-02') })).json();
    expect((await inject({ method: 'DELETE', url: `/imports/${a.importId}` })).statusCode).toBe(202);

    // The connection's own first-link import is left out: only these two are compared.
    const ids = async (query: string) =>
      (await get(`/imports?connectionId=${c.id}&${query}`))
        .json()
        .items.map((i: { importId: string }) => i.importId)
        .filter((id: string) => id === a.importId || id === b.importId);
    expect(await ids('status=failed')).toEqual([a.importId]);
    expect(await ids('status=requested')).toEqual([b.importId]);
    expect(await ids(`from=${encodeURIComponent(between)}`)).toEqual([b.importId]);
    expect(await ids(`to=${encodeURIComponent(between)}`)).toEqual([a.importId]);
  });

  it('answers a cursor it did not hand out, or an empty time range, with 400 naming it', async () => {
    for (const cursor of ['garbage', Buffer.from('["1","x"]').toString('base64url'), 'a'.repeat(300)]) {
      const res = await get(`/imports?cursor=${cursor}`);
      expect(res.statusCode).toBe(400);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.json().detail).toContain('cursor');
    }
    const t = new Date().toISOString();
    const empty = await get(`/imports?from=${encodeURIComponent(t)}&to=${encodeURIComponent(t)}`);
    expect(empty.statusCode).toBe(400);
    expect(empty.json().detail).toContain('from');
  });

  it("never shows another tenant's imports, in the list, one by one or to cancel", async () => {
    const c = await connect();
    const mine = (await post({ connectionId: c.id, dateRange: range('2026-10-03', '2026-10-03') })).json();
    const other = { authorization: `Bearer ${await tenantToken(`imports-other-${crypto.randomUUID()}`)}` };
    const list = await get('/imports?limit=200', other);
    expect(list.statusCode).toBe(200);
    expect(list.json()).toEqual({ items: [], nextCursor: null });
    expect((await get(`/imports?connectionId=${c.id}`, other)).json().items).toEqual([]);
    expect((await get(`/imports/${mine.importId}`, other)).statusCode).toBe(404);
    expect((await get(`/connections/${c.id}/imports`, other)).json()).toEqual([]);
    const cancel = await inject({ method: 'DELETE', url: `/imports/${mine.importId}`, headers: other });
    expect(cancel.statusCode).toBe(404);
    expect((await get(`/imports/${mine.importId}`)).json().status).toBe('requested');
  });

  it('keeps GET /connections/:id/imports as the newest of the connection', async () => {
    const c = await connect();
    const a = (await post({ connectionId: c.id, dateRange: range('2026-10-01', '2026-10-01') })).json();
    const b = (await post({ connectionId: c.id, dateRange: range('2026-10-02', '2026-10-02') })).json();
    const res = await get(`/connections/${c.id}/imports?limit=1`);
    expect(res.json().map((i: { importId: string }) => i.importId)).toEqual([b.importId]);
    expect(a.importId).not.toBe(b.importId);
  });
});

describe('coalescing requests', () => {
  it('answers a request covered by an open import with that import (200, coalesced), and force makes a new one', async () => {
    const c = await connect();
    const first = await post({ connectionId: c.id, dateRange: range('2026-10-01', '2026-10-07') });
    expect(first.statusCode).toBe(202);
    expect(first.json().coalesced).toBe(false);
    const inside = await post({ connectionId: c.id, dateRange: range('2026-10-02', '2026-10-03') });
    expect(inside.statusCode).toBe(200);
    expect(inside.json()).toMatchObject({ importId: first.json().importId, coalesced: true });
    const wider = await post({ connectionId: c.id, dateRange: range('2026-10-01', '2026-10-08') });
    expect(wider.statusCode).toBe(202);
    expect(wider.json().importId).not.toBe(first.json().importId);
    const forced = await post({ connectionId: c.id, dateRange: range('2026-10-02', '2026-10-03'), force: true });
    expect(forced.statusCode).toBe(202);
    expect(forced.json().importId).not.toBe(first.json().importId);
    expect(published(first.json().importId, 'ImportRequested')).toHaveLength(1);
  });

  it('given two identical requests at once, when decided, then one import is created and both answer with it', async () => {
    const c = await connect();
    const body = { connectionId: c.id, dateRange: range('2026-10-10', '2026-10-12') };
    const count = async () =>
      (await pool.query('SELECT count(*)::int AS n FROM scheduler.imports WHERE connection_id = $1', [c.id])).rows[0].n;
    const before = await count();
    const answers = await Promise.all(Array.from({ length: 4 }, () => post(body)));
    expect(new Set(answers.map((a) => a.json().importId)).size).toBe(1);
    expect(answers.map((a) => a.statusCode).sort()).toEqual([200, 200, 200, 202]);
    expect((await count()) - before).toBe(1);
  });

  it('given an import that ended, when the same dates are requested again, then a new import starts', async () => {
    const c = await connect();
    const body = { connectionId: c.id, dateRange: range('2026-10-20', '2026-10-20') };
    const first = (await post(body)).json();
    await inject({ method: 'DELETE', url: `/imports/${first.importId}` });
    const again = await post(body);
    expect(again.statusCode).toBe(202);
    expect(again.json().importId).not.toBe(first.importId);
  });
});

describe('DELETE /imports/:id', () => {
  it('cancels a queued import: ImportFailed (queue, cancelled) through the outbox, and the view says so at once', async () => {
    const c = await connect();
    const { importId } = (await post({ connectionId: c.id, dateRange: range('2026-10-05', '2026-10-05') })).json();
    const res = await inject({ method: 'DELETE', url: `/imports/${importId}` });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toMatchObject({ status: 'failed', failure: { stage: 'queue', code: 'cancelled' } });
    expect(res.json().failure.action).toMatch(/^Nothing/);
    const failed = await until('ImportFailed on the bus', () => published(importId, 'ImportFailed')[0]);
    expect(failed).toMatchObject({ data: { stage: 'queue', code: 'cancelled', retryable: false } });
    expect((failed.data as { message: string }).message).toMatch(/^cancelled by token \S+/);
    expect((await get(`/imports/${importId}`)).json().status).toBe('failed');
    const again = await inject({ method: 'DELETE', url: `/imports/${importId}` });
    expect(again.statusCode).toBe(409);
    expect(again.json().detail).toContain('already ended');
  });

  it('refuses to cancel an import whose lease was granted (409 saying why)', async () => {
    const c = await connect();
    const { importId } = (await post({ connectionId: c.id, dateRange: range('2026-10-06', '2026-10-06') })).json();
    const request = await until('ImportRequested on the bus', () => published(importId, 'ImportRequested')[0]);
    const now = new Date();
    await bus.publish([
      makeEvent(
        LockGrantedV1,
        { leaseTtlMs: 60_000, leaseExpiresAt: new Date(now.getTime() + 60_000).toISOString(), waitedMs: 0 },
        { source: 'lock-service', importId, customerId: c.customerId, causedBy: request, fencingToken: 1, now },
      ),
    ]);
    await until(
      'the grant folded in',
      async () => (await get(`/imports/${importId}`)).json().status === 'downloading' || undefined,
    );
    const res = await inject({ method: 'DELETE', url: `/imports/${importId}` });
    expect(res.statusCode).toBe(409);
    expect(res.json().detail).toContain('downloading');
    expect(published(importId, 'ImportFailed')).toHaveLength(0);
  });

  it('cancels an import held while its connection verifies: its request is never published', async () => {
    const created = await postConnection(inject, nextCustomer());
    expect(created.statusCode).toBe(201);
    const c = created.json();
    const { importId } = (await post({ connectionId: c.id, dateRange: range('2026-10-07', '2026-10-07') })).json();
    const { rows } = await pool.query('SELECT held IS NOT NULL AS held FROM scheduler.imports WHERE import_id = $1', [
      importId,
    ]);
    expect(rows[0].held).toBe(true);
    expect((await inject({ method: 'DELETE', url: `/imports/${importId}` })).statusCode).toBe(202);
    const check = await until('CredentialsCheckRequested on the bus', () =>
      bus.published.find((e) => e.type === 'CredentialsCheckRequested' && e.data.connectionId === c.id),
    );
    await bus.publish([answerCheck(check)]);
    await until(
      'the connection verified',
      async () => (await get(`/connections/${c.id}`)).json().status === 'healthy' || undefined,
    );
    await until('the cancellation published', () => published(importId, 'ImportFailed')[0]);
    expect(published(importId, 'ImportRequested')).toHaveLength(0);
    expect((await get(`/imports/${importId}`)).json()).toMatchObject({
      status: 'failed',
      failure: { code: 'cancelled' },
    });
  });

  it('needs member: a read-only token may list but not cancel', async () => {
    const readOnly = { authorization: `Bearer ${await tenantToken(`imports-ro-${crypto.randomUUID()}`, 'read-only')}` };
    expect((await get('/imports', readOnly)).statusCode).toBe(200);
    const res = await inject({ method: 'DELETE', url: `/imports/${crypto.randomUUID()}`, headers: readOnly });
    expect(res.statusCode).toBe(403);
    expect(res.json().detail).toContain('member');
  });
});
