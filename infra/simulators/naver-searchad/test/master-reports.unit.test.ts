import { afterEach, describe, expect, it } from 'vitest';
import { ALICE, BOB, relative, type TestCustomer, type TestSim, testSim } from './helpers.ts';

const lines = (body: string) => body.slice(0, -1).split('\n');

describe('master reports', () => {
  let sim: TestSim;
  afterEach(() => sim.app.close());

  const create = (body: object, customer: TestCustomer = BOB) => sim.call(customer, 'POST', '/master-reports', body);
  const fetchFile = async (body: object) => {
    const job = (await create(body)).json();
    expect(job.status).toBe('BUILT');
    expect(job.id).toMatch(/^[0-9a-f]{32}$/);
    return (await sim.call(BOB, 'GET', relative(job.downloadUrl))).body;
  };

  it.each([
    ['Campaign', 12],
    ['Adgroup', 18],
    ['Keyword', 13],
    ['Ad', 11],
  ])('%s is headerless TSV with %i columns', async (item, n) => {
    sim = await testSim();
    const body = await fetchFile({ item });
    // Never trim: trailing columns can be empty, and a trailing TAB is data.
    for (const line of lines(body)) expect(line.split('\t')).toHaveLength(n);
  });

  it('snapshots exclude deleted entities; deltas (fromTime) include them with delTm', async () => {
    sim = await testSim();
    const snapshot = await fetchFile({ item: 'Keyword' });
    expect(lines(snapshot).every((l) => l.split('\t')[11] === '')).toBe(true);
    const delta = await fetchFile({ item: 'Keyword', fromTime: '2016-01-01T00:00:00Z' });
    const deleted = lines(delta).filter((l) => l.split('\t')[11] !== '');
    expect(deleted.length).toBeGreaterThan(0);
    expect(deleted[0]!.split('\t')[11]).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
  });

  it('names can contain a `"` (and a TAB when tabInMasterNames is on)', async () => {
    sim = await testSim({ tabInMasterNames: true });
    const body = await fetchFile({ item: 'Adgroup' });
    expect(body).toContain('"');
    expect(body.split('\n').some((l) => l.split('\t').length > 18)).toBe(true);
  });

  it('hard-caps at 100 jobs: the 101st fails 400 BadRequest without evicting', async () => {
    sim = await testSim();
    const first = (await create({ item: 'Campaign' })).json();
    for (let i = 0; i < 99; i++) expect((await create({ item: 'Campaign' })).statusCode).toBe(200);
    const refused = await create({ item: 'Campaign' });
    expect(refused.statusCode).toBe(400);
    expect(refused.json()).toEqual({
      name: 'BadRequest',
      status: 400,
      title: 'Bad Request',
      detail: "exceeded limit of '100' numbers of 'job'",
    });
    expect((await sim.call(BOB, 'GET', `/master-reports/${first.id}`)).statusCode).toBe(200);
    expect((await sim.call(BOB, 'GET', '/master-reports')).json()).toHaveLength(100);
  });

  it('a deleted job answers 204 No Content (not 404)', async () => {
    sim = await testSim();
    const job = (await create({ item: 'Ad' })).json();
    expect((await sim.call(BOB, 'DELETE', `/master-reports/${job.id}`)).statusCode).toBe(204);
    const res = await sim.call(BOB, 'GET', `/master-reports/${job.id}`);
    expect(res.statusCode).toBe(204);
    expect(res.body).toBe('');
  });

  it('DELETE /master-reports removes all jobs of the customer', async () => {
    sim = await testSim();
    await create({ item: 'Ad' });
    await create({ item: 'Ad' }, ALICE);
    expect((await sim.call(BOB, 'DELETE', '/master-reports')).statusCode).toBe(204);
    expect((await sim.call(BOB, 'GET', '/master-reports')).json()).toEqual([]);
    expect((await sim.call(ALICE, 'GET', '/master-reports')).json()).toHaveLength(1);
  });

  it('goes REGIST → RUNNING → BUILT over masterBuildMs; unmodelled items end NONE; unknown items 11001', async () => {
    sim = await testSim({ masterBuildMs: 600_000 });
    const job = (await create({ item: 'Campaign' })).json();
    expect(job).toMatchObject({ status: 'REGIST', downloadUrl: '', fromTime: null });
    sim.clock.advance(300_000);
    expect((await sim.call(BOB, 'GET', `/master-reports/${job.id}`)).json().status).toBe('RUNNING');
    sim.clock.advance(300_000);
    expect((await sim.call(BOB, 'GET', `/master-reports/${job.id}`)).json().status).toBe('BUILT');
    const label = (await create({ item: 'Label' })).json();
    sim.clock.advance(600_000);
    expect((await sim.call(BOB, 'GET', `/master-reports/${label.id}`)).json().status).toBe('NONE');
    expect((await create({ item: 'Nope' })).json().code).toBe(11001);
  });
});
