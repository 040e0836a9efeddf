import { afterEach, describe, expect, it } from 'vitest';
import { entitiesFor } from '../src/data/entities.ts';
import { masterRows } from '../src/data/master-rows.ts';
import { statRows } from '../src/data/stat-rows.ts';
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
    ['BusinessChannel', 9],
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

  it('business channels carry exactly the bsn- ids of the stat rows, name before id', async () => {
    sim = await testSim();
    const body = await fetchFile({ item: 'BusinessChannel' });
    const ids = lines(body).map((l) => l.split('\t')[2]);
    const e = entitiesFor(BOB.customerId, BOB.seed, BOB.size);
    expect(new Set(ids)).toEqual(new Set(e.adgroups.map((g) => g.channelId)));
    for (const id of ids) expect(id).toMatch(/^bsn-a001-00-\d{15}$/);
  });

  it('a rename shows the new name from its instant on, and a delta after it includes the entity', () => {
    const e = entitiesFor(BOB.customerId, BOB.seed, BOB.size);
    const renamed = e.keywords.find((k) => k.rename !== null && k.delMs === null)!;
    const at = renamed.rename!.atMs;
    const row = (rows: (string | number)[][]) => rows.find((r) => r[2] === renamed.id);
    const options = { tabInNames: false };
    expect(row(masterRows('Keyword', e, { ...options, asOfMs: at - 1000, fromMs: null }))![3]).toBe(renamed.name);
    expect(row(masterRows('Keyword', e, { ...options, asOfMs: at, fromMs: null }))![3]).toBe(renamed.rename!.name);
    expect(row(masterRows('Keyword', e, { ...options, asOfMs: at + 1000, fromMs: at - 1000 }))![3]).toBe(
      renamed.rename!.name,
    );
    // Nothing else happened to it in that window: a delta before the rename leaves it out.
    expect(row(masterRows('Keyword', e, { ...options, asOfMs: at - 1000, fromMs: at - 2000 }))).toBeUndefined();
  });

  it('every id a stat row names for a day is in the masters, registered by then (alive, or deleted that day or later)', () => {
    for (const [customer, date] of [
      [BOB, '2019-03-01'],
      [BOB, '2023-08-15'],
      [ALICE, '2025-06-30'],
    ] as const) {
      const e = entitiesFor(customer.customerId, customer.seed, customer.size);
      const dayStart = Date.parse(`${date}T00:00:00+09:00`);
      const everything = { asOfMs: Date.parse('2027-01-01T00:00:00Z'), fromMs: Date.parse('2016-01-01T00:00:00Z') };
      const known = new Map<string, { regTm: string; delTm: string }>();
      const at = {
        Campaign: [1, 8, 9],
        Adgroup: [1, 12, 13],
        Keyword: [2, 10, 11],
        Ad: [2, 9, 10],
        BusinessChannel: [2, 7, 8],
      };
      for (const [item, [id, reg, del]] of Object.entries(at)) {
        for (const r of masterRows(item as keyof typeof at, e, { ...everything, tabInNames: false })) {
          known.set(String(r[id!]), { regTm: String(r[reg!]), delTm: String(r[del!]) });
        }
      }
      const rows = statRows('AD_DETAIL', e, customer.seed, date);
      expect(rows.length).toBeGreaterThan(0);
      for (const r of rows) {
        for (const id of r
          .slice(2, 7)
          .map(String)
          .filter((v) => v !== '-')) {
          const m = known.get(id);
          expect(m, `${id} on ${date}`).toBeDefined();
          expect(Date.parse(m!.regTm)).toBeLessThan(dayStart + 86_400_000);
          if (m!.delTm !== '') expect(Date.parse(m!.delTm)).toBeGreaterThan(dayStart);
        }
      }
    }
  });
});
