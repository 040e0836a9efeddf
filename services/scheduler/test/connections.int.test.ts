import { until } from '@reportline/dev/wait';
import { createPool, type InMemoryBus, type Pool, type Running } from '@reportline/platform';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alert } from '../src/alerts/alert.ts';
import {
  answerCheck,
  createConnection,
  type Inject,
  postConnection,
  startInMemoryScheduler,
} from './in-memory-scheduler.ts';

/**
 * Tenants, tokens and the connection lifecycle through the scheduler's real wiring: app.inject on the in-memory bus
 * and real Postgres. The fetcher's answers to credentials checks are published by the test, as the fetcher would.
 */
let bus: InMemoryBus;
let scheduler: Running;
let inject: Inject;
let pool: Pool;
const alerts: Alert[] = [];

beforeAll(async () => {
  let databaseUrl: string;
  ({ bus, scheduler, inject, databaseUrl } = await startInMemoryScheduler({
    raiseAlert: async (_db, alert) => void alerts.push(alert),
    // The lock-service's view as it answers, plus a token field it must never pass on.
    lockView: async (customerId) => ({
      customerId,
      holder: { importId: crypto.randomUUID(), grantedAt: '2026-12-01T00:00:00.000Z', token: 41 },
      queue: [],
      lockDelayUntil: null,
      history: [{ importId: crypto.randomUUID(), endedBy: 'released', fencingToken: 40 }],
    }),
  }));
  pool = createPool(databaseUrl);
});

afterAll(async () => {
  await scheduler?.close();
  await pool?.end();
});

const as = (token: string) => ({ authorization: `Bearer ${token}` });

async function newTenant(name: string) {
  const res = await inject({ method: 'POST', url: '/tenants', payload: { name } });
  expect(res.statusCode).toBe(201);
  return res.json().adminToken.token as string;
}

async function tokenFor(admin: string, scope: string) {
  const res = await inject({ method: 'POST', url: '/tokens', headers: as(admin), payload: { name: scope, scope } });
  expect(res.statusCode).toBe(201);
  return res.json().token as string;
}

describe('authentication', () => {
  it('turns away a request without a token, or with one it does not know, before reading it', async () => {
    for (const headers of [{}, { authorization: 'Bearer rl_00000000_nope' }, { authorization: 'Basic abc' }]) {
      const res = await inject({ method: 'GET', url: '/connections', headers: { authorization: '', ...headers } });
      expect(res.statusCode).toBe(401);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.body).not.toContain('nope');
    }
  });

  it('leaves probes, metrics and the API documentation open', async () => {
    for (const url of ['/health/live', '/metrics', '/openapi.json', '/docs']) {
      const res = await inject({ method: 'GET', url, headers: { authorization: '' } });
      expect(res.statusCode, url).toBeLessThan(400);
    }
    const doc = (await inject({ method: 'GET', url: '/openapi.json' })).json();
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.paths['/connections'].post.security).toEqual([{ bearer: [] }]);
    expect(Object.keys(doc.paths['/connections'].post.responses)).toEqual(
      expect.arrayContaining(['201', '400', '401', '403', '422']),
    );
  });

  it('stores tokens hashed, shows each once, and refuses a revoked one from the next request', async () => {
    const admin = await newTenant('hashing');
    const member = await tokenFor(admin, 'member');
    const { rows } = await pool.query('SELECT hash, prefix FROM scheduler.api_tokens');
    expect(JSON.stringify(rows)).not.toContain(member);
    const listed = await inject({ method: 'GET', url: '/tokens', headers: as(admin) });
    expect(listed.body).not.toContain(member);
    const id = listed.json().find((t: { prefix: string }) => member.startsWith(`rl_${t.prefix}_`)).id;
    expect((await inject({ method: 'GET', url: '/tenant', headers: as(member) })).statusCode).toBe(200);
    expect((await inject({ method: 'DELETE', url: `/tokens/${id}`, headers: as(admin) })).statusCode).toBe(204);
    expect((await inject({ method: 'GET', url: '/tenant', headers: as(member) })).statusCode).toBe(401);
  });

  it('gives each scope what it may do: read-only reads, member changes, admin manages tokens', async () => {
    const admin = await newTenant('scopes');
    const reader = await tokenFor(admin, 'read-only');
    const member = await tokenFor(admin, 'member');
    const denied = await postConnection((o) => inject({ ...o, headers: as(reader) }), '1001');
    expect(denied.statusCode).toBe(403);
    expect(denied.json().detail).toContain('member');
    expect((await postConnection((o) => inject({ ...o, headers: as(member) }), '1001')).statusCode).toBe(201);
    expect((await inject({ method: 'GET', url: '/connections', headers: as(reader) })).json().items).toHaveLength(1);
    const minting = await inject({ method: 'POST', url: '/tokens', headers: as(member), payload: { name: 'x' } });
    expect(minting.statusCode).toBe(403);
    const tenant = await inject({ method: 'POST', url: '/tenants', headers: as(admin), payload: { name: 'x' } });
    expect(tenant.statusCode).toBe(403);
  });
});

describe('tenant isolation', () => {
  it("never shows or lets one tenant act on another tenant's connections, imports or locks", async () => {
    const a = await newTenant('tenant-a');
    const b = await newTenant('tenant-b');
    const asA: Inject = (o) => inject({ ...o, headers: { ...as(a), ...(o.headers ?? {}) } });
    const asB: Inject = (o) => inject({ ...o, headers: { ...as(b), ...(o.headers ?? {}) } });
    const connection = (await createConnection(asA, bus, '2002')).json();
    const imported = await asA({ method: 'POST', url: '/imports', payload: { connectionId: connection.id } });
    expect(imported.statusCode).toBeLessThan(300);
    const importId = imported.json().importId;

    expect((await asB({ method: 'GET', url: `/connections/${connection.id}` })).statusCode).toBe(404);
    expect((await asB({ method: 'GET', url: '/connections' })).json().items).toEqual([]);
    expect((await asB({ method: 'GET', url: `/imports/${importId}` })).statusCode).toBe(404);
    expect((await asB({ method: 'GET', url: `/connections/${connection.id}/imports` })).json()).toEqual([]);
    const start = await asB({ method: 'POST', url: '/imports', payload: { connectionId: connection.id } });
    expect(start.statusCode).toBe(404);
    for (const [method, suffix] of [
      ['PATCH', ''],
      ['DELETE', ''],
      ['POST', '/pause'],
      ['POST', '/verify'],
    ] as const) {
      const res = await asB({
        method,
        url: `/connections/${connection.id}${suffix}`,
        ...(method === 'PATCH' ? { payload: { sheetName: 'stolen' } } : {}),
      });
      expect(res.statusCode, `${method} ${suffix}`).toBe(404);
    }
    expect((await asB({ method: 'GET', url: '/locks/2002' })).statusCode).toBe(404);
    expect((await asA({ method: 'GET', url: `/connections/${connection.id}` })).json().sheetName).toBe('로우데이터');
  });
});

describe('the lock view', () => {
  it("shows a tenant the lock of its connection's customer id, without any fencing token", async () => {
    const admin = await newTenant('locks');
    const asAdmin: Inject = (o) => inject({ ...o, headers: { ...as(admin), ...(o.headers ?? {}) } });
    await createConnection(asAdmin, bus, '5005');
    const res = await asAdmin({ method: 'GET', url: '/locks/5005' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ customerId: '5005', queue: [], history: [{ endedBy: 'released' }] });
    expect(res.body).not.toMatch(/token/i);
    expect((await asAdmin({ method: 'GET', url: '/locks/abc' })).statusCode).toBe(400);
  });

  it('names a tenant taken twice', async () => {
    await newTenant('twice');
    const again = await inject({ method: 'POST', url: '/tenants', payload: { name: 'twice' } });
    expect(again.statusCode).toBe(409);
    expect(again.json().detail).toContain('twice');
  });
});

describe('creating a connection', () => {
  it('rejects what would break the sheet or double the numbers, naming each field and its limit', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ reportTypes: ['AD', 'AD'] }, 'reportTypes: AD listed more than once'],
      [{ sheetName: '_reportline' }, 'reserved'],
      [{ sheetName: '_stage_x' }, 'reserved'],
      [{ reportTypes: ['AD_CONVERSION_DETAIL'], historyDays: 90 }, 'at most 45 days'],
      [{ reportTypes: ['AD'], historyDays: 400 }, 'historyDays'],
      [{ scheduleTime: '25:00' }, 'scheduleTime'],
      [{ layout: { version: 1, dimensions: ['campaign'], metrics: ['clicks'] } }, 'layout'],
      [
        {
          layout: {
            version: 1,
            dimensions: ['date', 'hour'],
            metrics: ['clicks'],
            ids: false,
            granularity: 'day',
            language: 'ko',
            vatBasis: 'incl-vat',
          },
        },
        'hour exist only in AD_DETAIL',
      ],
    ];
    const before = (await pool.query('SELECT count(*)::int AS n FROM scheduler.connections')).rows[0].n;
    for (const [extra, expected] of cases) {
      const res = await postConnection(inject, '3003', extra);
      expect(res.statusCode, JSON.stringify(extra)).toBe(400);
      expect(res.json().detail, JSON.stringify(extra)).toContain(expected);
    }
    expect((await pool.query('SELECT count(*)::int AS n FROM scheduler.connections')).rows[0].n).toBe(before);
  });

  it('answers 422 with what to do when the sheets-writer cannot write the target, and creates nothing', async () => {
    const res = await postConnection(inject, '3004', { spreadsheetId: 'missing-sheet' });
    expect(res.statusCode).toBe(422);
    expect(res.json().detail).toContain('Check the id');
    const { rows } = await pool.query("SELECT 1 FROM scheduler.connections WHERE customer_id = '3004'");
    expect(rows).toEqual([]);
  });

  it('verifies the credentials first: its first import waits, then goes to the fetcher once NAVER accepted them', async () => {
    const res = await postConnection(inject, '3005');
    expect(res.statusCode).toBe(201);
    const { id, status, firstImport } = res.json();
    expect(status).toBe('verifying');
    expect(firstImport).toMatchObject({ status: 'requested' });
    const ranged = await postConnection(inject, '3005', {
      sheetName: 'ranged',
      firstImportRange: { from: '2026-11-02', to: '2026-11-04' },
    });
    const rangedCheck = await until('the ranged check', () =>
      bus.published.find((e) => e.type === 'CredentialsCheckRequested' && e.data.connectionId === ranged.json().id),
    );
    await bus.publish([answerCheck(rangedCheck)]);
    const rangedImport = await until('the ranged first-link import', () =>
      bus.published.find((e) => e.type === 'ImportRequested' && e.importId === ranged.json().firstImport.importId),
    );
    expect((rangedImport.data as { dateRange: unknown }).dateRange).toEqual({ from: '2026-11-02', to: '2026-11-04' });
    const check = await until('CredentialsCheckRequested on the bus', () =>
      bus.published.find((e) => e.type === 'CredentialsCheckRequested' && e.data.connectionId === id),
    );
    expect(check).toMatchObject({ customerId: '3005', data: { reason: 'created' } });
    await bus.drain();
    expect(bus.published.some((e) => e.importId === firstImport.importId)).toBe(false);

    await bus.publish([answerCheck(check)]);
    const requested = await until('the held first-link import published', () =>
      bus.published.find((e) => e.type === 'ImportRequested' && e.importId === firstImport.importId),
    );
    expect(requested.data).toMatchObject({ trigger: 'first-link', connectionId: id });
    expect((await inject({ method: 'GET', url: `/connections/${id}` })).json()).toMatchObject({
      status: 'healthy',
      health: null,
    });
  });

  it('marks the connection unhealthy when NAVER refuses the credentials: its imports end with why, and it alerts', async () => {
    const res = await postConnection(inject, '3006');
    const { id, firstImport } = res.json();
    const check = await until('CredentialsCheckRequested', () =>
      bus.published.find((e) => e.type === 'CredentialsCheckRequested' && e.data.connectionId === id),
    );
    await bus.publish([
      answerCheck(check, {
        ok: false,
        code: 'naver-license-not-linked',
        message: 'NAVER answered 1018: the API license is not linked to customer id 3006',
        action: 'Link the license to 3006 in NAVER Search Ad, then verify the connection',
      }),
    ]);
    const failed = await until('the held import failed', async () => {
      const v = (await inject({ method: 'GET', url: `/imports/${firstImport.importId}` })).json();
      return v.status === 'failed' ? v : undefined;
    });
    expect(failed.failure).toMatchObject({ code: 'naver-license-not-linked', retryable: false });
    const c = (await inject({ method: 'GET', url: `/connections/${id}` })).json();
    expect(c).toMatchObject({ status: 'unhealthy', health: { code: 'naver-license-not-linked' } });
    expect(c.health.action).toContain('Link the license');
    expect(alerts.find((a) => a.connectionId === id)).toMatchObject({ kind: 'credentials-unhealthy' });
    const refused = await inject({ method: 'POST', url: '/imports', payload: { connectionId: id } });
    expect(refused.statusCode).toBe(409);
    expect(refused.json().detail).toContain('Link the license');

    // New credentials are checked again; accepted, the connection is healthy once more.
    const rotated = await inject({
      method: 'PATCH',
      url: `/connections/${id}`,
      payload: { apiKey: 'k2', secret: 's2' },
    });
    expect(rotated.json().status).toBe('verifying');
    const again = await until('a second check', () =>
      bus.published.find(
        (e) => e.type === 'CredentialsCheckRequested' && e.data.connectionId === id && e.data.reason === 'rotated',
      ),
    );
    await bus.publish([answerCheck(again)]);
    await until('healthy again', async () =>
      (await inject({ method: 'GET', url: `/connections/${id}` })).json().status === 'healthy' ? true : undefined,
    );
  });
});

describe('a check NAVER could not answer', () => {
  it('is asked again while the connection keeps verifying and its first import keeps waiting', async () => {
    const res = await postConnection(inject, '3007');
    const { id, firstImport } = res.json();
    const first = await until('the first check', () =>
      bus.published.find((e) => e.type === 'CredentialsCheckRequested' && e.data.connectionId === id),
    );
    await bus.publish([
      answerCheck(first, { ok: false, code: 'lease-unavailable', message: 'no lease in time', retryable: true }),
    ]);
    const second = await until('a second check', () =>
      bus.published.find(
        (e) => e.type === 'CredentialsCheckRequested' && e.data.connectionId === id && e.id !== first.id,
      ),
    );
    expect(second.data).toMatchObject({ reason: 'created' });
    expect((await inject({ method: 'GET', url: `/connections/${id}` })).json()).toMatchObject({
      status: 'verifying',
      health: null,
    });
    expect((await inject({ method: 'GET', url: `/imports/${firstImport.importId}` })).json().status).toBe('requested');
    await bus.publish([answerCheck(second)]);
    await until('the held first-link import published', () =>
      bus.published.find((e) => e.type === 'ImportRequested' && e.importId === firstImport.importId),
    );
  });
});

describe('changing a connection', () => {
  it('pauses and resumes the schedule, proves a new target, and deletes it leaving no credentials behind', async () => {
    const { id } = (await createConnection(inject, bus, '4004')).json();
    expect((await inject({ method: 'POST', url: `/connections/${id}/pause` })).json().paused).toBe(true);
    expect((await inject({ method: 'POST', url: `/connections/${id}/resume` })).json().paused).toBe(false);
    const bad = await inject({ method: 'PATCH', url: `/connections/${id}`, payload: { spreadsheetId: 'missing-2' } });
    expect(bad.statusCode).toBe(422);
    const moved = await inject({
      method: 'PATCH',
      url: `/connections/${id}`,
      payload: { spreadsheetId: 'sheet-2', sheetName: 'Daily', scheduleTime: '07:15', historyDays: 60 },
    });
    expect(moved.json()).toMatchObject({ spreadsheetId: 'sheet-2', sheetName: 'Daily', scheduleTime: '07:15' });
    const half = await inject({ method: 'PATCH', url: `/connections/${id}`, payload: { apiKey: 'only-key' } });
    expect(half.statusCode).toBe(400);

    expect((await inject({ method: 'DELETE', url: `/connections/${id}` })).statusCode).toBe(204);
    expect((await inject({ method: 'GET', url: `/connections/${id}` })).statusCode).toBe(404);
    const { rows } = await pool.query("SELECT 1 FROM platform.secrets WHERE ref = 'naver/' || $1", [id]);
    expect(rows).toEqual([]);
  });

  it('turns a connection unhealthy when an import fails on its credentials, and stops taking imports', async () => {
    const { id } = (await createConnection(inject, bus, '4005')).json();
    const { importId } = (await inject({ method: 'POST', url: '/imports', payload: { connectionId: id } })).json();
    const requested = await until('ImportRequested', () =>
      bus.published.find((e) => e.type === 'ImportRequested' && e.importId === importId),
    );
    const { ImportFailedV1, makeEvent } = await import('@reportline/contracts');
    await bus.publish([
      makeEvent(
        ImportFailedV1,
        {
          stage: 'download',
          code: 'naver-credentials-invalid',
          message: 'NAVER refused the signature',
          retryable: false,
        },
        { source: 'naver-fetcher', importId, customerId: '4005', causedBy: requested, now: new Date() },
      ),
    ]);
    const c = await until('unhealthy', async () => {
      const v = (await inject({ method: 'GET', url: `/connections/${id}` })).json();
      return v.status === 'unhealthy' ? v : undefined;
    });
    expect(c.health).toMatchObject({ code: 'naver-credentials-invalid' });
    expect(alerts.find((a) => a.importId === importId)).toMatchObject({ kind: 'credentials-unhealthy' });
  });
});
