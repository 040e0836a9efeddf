import type { InMemoryBus, Running } from '@reportline/platform';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { problemByField } from '../src/dashboard/assets/ui.js';
import { createConnection, type Inject, postConnection, startInMemoryScheduler } from './in-memory-scheduler.ts';

/** The dashboard's page and assets, and the API calls only it makes, through the scheduler's real wiring. */
let bus: InMemoryBus;
let scheduler: Running;
let inject: Inject;
let lock: unknown;

beforeAll(async () => {
  ({ bus, scheduler, inject } = await startInMemoryScheduler({ lockView: async () => lock }));
});

afterAll(async () => {
  await scheduler?.close();
});

describe('the page and its assets', () => {
  it('are served without a token, from this service only, under a policy that runs no inline script', async () => {
    const page = await inject({ method: 'GET', url: '/', headers: { authorization: '' } });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.body).toContain('<script type="module" src="/ui/app.js"></script>');
    expect(page.body).not.toMatch(/https?:\/\/(?!docs\.google\.com|www\.w3\.org)/);
    for (const asset of ['app.js', 'view.js', 'ui.js', 'style.css', 'i18n.json']) {
      const res = await inject({ method: 'GET', url: `/ui/${asset}`, headers: { authorization: '' } });
      expect(res.statusCode, asset).toBe(200);
      expect(res.body).not.toMatch(/https?:\/\/(?!docs\.google\.com|www\.w3\.org)/);
    }
    expect((await inject({ method: 'GET', url: '/ui/ui.d.ts', headers: { authorization: '' } })).statusCode).toBe(404);
    expect((await inject({ method: 'GET', url: '/?lang=ko', headers: { authorization: '' } })).body).toContain(
      '네이버 계정을 스프레드시트에 연결',
    );
  });

  it('keeps the data behind the token', async () => {
    const res = await inject({ method: 'GET', url: '/connections', headers: { authorization: '' } });
    expect(res.statusCode).toBe(401);
  });
});

describe("the link form's messages", () => {
  it("lands the API's 400 and 422 next to the fields they concern", async () => {
    const invalid = await postConnection(inject, '552001', { historyDays: 400, sheetName: ' spaced ' });
    expect(invalid.statusCode).toBe(400);
    const parsed = problemByField(400, invalid.json());
    expect(Object.keys(parsed.fields).length, invalid.json().detail).toBeGreaterThan(0);
    expect(parsed.general).toEqual([]);

    const ruled = await postConnection(inject, '552001', { sheetName: ' spaced ' });
    expect(ruled.statusCode).toBe(400);
    expect(problemByField(400, ruled.json()).fields.sheetName).toContain('tab name');

    const refused = await postConnection(inject, '552001', { spreadsheetId: 'missing-sheet' });
    expect(refused.statusCode).toBe(422);
    expect(problemByField(422, refused.json()).fields.spreadsheetId).toContain('Check the id');
  });
});

describe('GET /locks/:customerId/timeline', () => {
  it("joins the lock's holds and queue with the tenant's imports, another tenant's anonymous", async () => {
    const connection = (await createConnection(inject, bus, '552002')).json();
    const firstImport = connection.firstImport.importId;
    const { importId } = (
      await inject({
        method: 'POST',
        url: '/imports',
        payload: { connectionId: connection.id, dateRange: { from: '2026-11-01', to: '2026-11-02' } },
      })
    ).json();
    const foreign = crypto.randomUUID();
    lock = {
      customerId: '552002',
      holder: { importId: foreign, grantedAt: '2026-12-01T00:10:00.000Z', expiresAt: '2026-12-01T00:11:00.000Z' },
      queue: [{ importId, priority: 'on-demand', requestedAt: '2026-12-01T00:09:00.000Z', position: 1 }],
      lockDelayUntil: null,
      history: [
        {
          importId: foreign,
          grantedAt: '2026-12-01T00:10:00.000Z',
          expiresAt: '2026-12-01T00:11:00.000Z',
          renewals: 0,
          endedAt: null,
          endedBy: null,
        },
        {
          importId: firstImport,
          grantedAt: '2026-12-01T00:00:00.000Z',
          expiresAt: '2026-12-01T00:01:00.000Z',
          renewals: 2,
          endedAt: '2026-12-01T00:05:00.000Z',
          endedBy: 'released',
        },
      ],
    };
    const res = await inject({ method: 'GET', url: '/locks/552002/timeline' });
    expect(res.statusCode).toBe(200);
    const timeline = res.json();
    expect(timeline.holder.importId).toBeNull();
    expect(timeline.holds[0]).toMatchObject({ importId: null, own: false, connectionId: null, trigger: null });
    expect(timeline.holds[1]).toMatchObject({
      importId: firstImport,
      own: true,
      connectionId: connection.id,
      trigger: 'first-link',
      endedBy: 'released',
    });
    expect(timeline.queue[0]).toMatchObject({ importId, own: true, trigger: 'manual', position: 1 });
    expect(JSON.stringify(timeline)).not.toContain(foreign);

    expect((await inject({ method: 'GET', url: '/locks/552999/timeline' })).statusCode).toBe(404);
  });
});

describe('GET /imports/:id/request', () => {
  it('answers what an import asked for, so the dashboard can ask again for the same dates', async () => {
    const connection = (await createConnection(inject, bus, '552003')).json();
    const { importId } = (
      await inject({
        method: 'POST',
        url: '/imports',
        payload: { connectionId: connection.id, dateRange: { from: '2026-11-03', to: '2026-11-04' } },
      })
    ).json();
    const res = await inject({ method: 'GET', url: `/imports/${importId}/request` });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      importId,
      connectionId: connection.id,
      trigger: 'manual',
      dateRange: { from: '2026-11-03', to: '2026-11-04' },
      reportTypes: ['AD'],
    });
    const other = await inject({ method: 'POST', url: '/tenants', payload: { name: 'dashboard-other' } });
    const token = other.json().adminToken.token;
    const foreign = await inject({
      method: 'GET',
      url: `/imports/${importId}/request`,
      headers: { authorization: `Bearer ${token}` },
    });
    expect(foreign.statusCode).toBe(404);
  });
});
