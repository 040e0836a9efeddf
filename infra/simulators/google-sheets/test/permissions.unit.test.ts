import { describe, expect, it } from 'vitest';
import { fakeWithClock, valuesUrl } from './fake-client.ts';

const SA = 'writer-1@reportline-a.iam.gserviceaccount.com';
const DENIED = { code: 403, message: 'The caller does not have permission', status: 'PERMISSION_DENIED' };

function fake() {
  const f = fakeWithClock();
  const read = (token?: string) => f.call('GET', '/v4/spreadsheets/ss1', undefined, token);
  const write = (token?: string) => f.call('PUT', valuesUrl('ss1', 'Sheet1!A1'), { values: [[1]] }, token);
  return { ...f, read, write };
}

describe('Drive permissions', () => {
  it('Given a spreadsheet seeded without sharing info, When anyone calls, Then reads and writes succeed', async () => {
    const f = fake();
    f.state.seedSpreadsheet({ spreadsheetId: 'ss1' });
    expect((await f.read()).status).toBe(200);
    expect((await f.write(SA)).status).toBe(200);
  });

  it('Given a spreadsheet shared with nobody, When the principal calls, Then Google answers 403 PERMISSION_DENIED', async () => {
    const f = fake();
    f.state.seedSpreadsheet({ spreadsheetId: 'ss1', permissions: [] });
    expect(await f.read(SA)).toEqual({ status: 403, body: { error: DENIED } });
    expect(await f.write(SA)).toEqual({ status: 403, body: { error: DENIED } });
  });

  it('Given a viewer share, When the principal calls, Then it may read but not write', async () => {
    const f = fake();
    f.state.seedSpreadsheet({ spreadsheetId: 'ss1', permissions: [{ emailAddress: SA, role: 'reader' }] });
    expect((await f.read(SA)).status).toBe(200);
    expect((await f.write(SA)).status).toBe(403);
    expect(f.state.readTab('ss1', 'Sheet1')).toEqual([]);
  });

  it('Given an editor share over the control endpoint, When the principal writes, Then it succeeds and others stay out', async () => {
    const f = fake();
    f.state.seedSpreadsheet({ spreadsheetId: 'ss1' });
    const shared = await f.fakeShare('ss1', SA.toUpperCase(), 'writer');
    expect(shared.statusCode).toBe(200);
    expect((await f.write(SA)).status).toBe(200);
    expect((await f.write('someone-else@x.iam.gserviceaccount.com')).status).toBe(403);
    expect((await f.fakeShare('missing', SA, 'writer')).statusCode).toBe(404);
    expect((await f.fakeShare('ss1', SA, 'owner')).statusCode).toBe(400);
  });

  it('Given a missing spreadsheet, When the principal calls, Then it is 404 whatever the shares', async () => {
    const f = fake();
    expect((await f.read(SA)).status).toBe(404);
  });
});

describe('per-project quota', () => {
  it('Given principals of two Cloud projects, When each spends its project, Then the other project is unaffected', async () => {
    const f = fakeWithClock({ limits: { writesPerMinutePerUser: 10, writesPerMinutePerProject: 2 } });
    f.state.seedSpreadsheet({ spreadsheetId: 'ss1' });
    const write = (token: string) => f.call('PUT', valuesUrl('ss1', 'Sheet1!A1'), { values: [[1]] }, token);
    expect((await write('a@p1.iam.gserviceaccount.com')).status).toBe(200);
    expect((await write('b@p1.iam.gserviceaccount.com')).status).toBe(200);
    expect((await write('c@p1.iam.gserviceaccount.com')).status).toBe(429);
    expect((await write('d@p2.iam.gserviceaccount.com')).status).toBe(200);
  });
});
