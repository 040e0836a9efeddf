import { afterEach, describe, expect, it } from 'vitest';
import { entitiesFor } from '../src/data/entities.ts';
import { statRows } from '../src/data/stat-rows.ts';
import { ALICE, BOB, createJob, relative, type TestCustomer, type TestSim, testSim } from './helpers.ts';

const COLUMNS = { AD: 14, AD_DETAIL: 16, AD_CONVERSION: 13, AD_CONVERSION_DETAIL: 15 } as const;

describe('report download', () => {
  let sim: TestSim;
  afterEach(() => sim.app.close());

  const download = async (reportTp: string, statDt: string, customer: TestCustomer = ALICE) => {
    const job = await createJob(sim, reportTp, statDt, customer);
    const res = await sim.call(customer, 'GET', relative(job.downloadUrl));
    expect(res.statusCode).toBe(200);
    return res.body;
  };

  it.each(Object.entries(COLUMNS))(
    '%s is headerless TSV with %i columns, \\n-terminated, no quoting',
    async (type, n) => {
      sim = await testSim();
      const body = await download(type, '20251001');
      expect(body.endsWith('\n')).toBe(true);
      const lines = body.slice(0, -1).split('\n');
      expect(lines.length).toBeGreaterThan(0);
      for (const line of lines) {
        const cols = line.split('\t');
        expect(cols).toHaveLength(n);
        expect(cols[0]).toBe('20251001');
        expect(cols[1]).toBe(ALICE.customerId);
        expect(cols[2]).toMatch(/^cmp-/);
        expect(cols[4]).toMatch(/^(nkw-.+|-)$/);
      }
    },
  );

  it('is deterministic per (customer, seed, type, date) and differs across dates', async () => {
    sim = await testSim();
    const a = await download('AD_DETAIL', '20251001');
    expect(await download('AD_DETAIL', '20251001')).toBe(a);
    expect(await download('AD_DETAIL', '20251002')).not.toBe(a);
  });

  it('AD totals equal AD_DETAIL totals (one set of facts behind every type)', async () => {
    sim = await testSim();
    const sum = (body: string, col: number) =>
      body
        .trim()
        .split('\n')
        .reduce((s, l) => s + Number(l.split('\t')[col]), 0);
    const ad = await download('AD', '20251001');
    const detail = await download('AD_DETAIL', '20251001');
    expect(sum(ad, 9)).toBe(sum(detail, 11));
    expect(sum(ad, 11)).toBe(sum(detail, 13));
  });

  it('uses `-` for the keyword of non-keyword traffic', async () => {
    sim = await testSim();
    expect((await download('AD_DETAIL', '20251001')).split('\n').some((l) => l.split('\t')[4] === '-')).toBe(true);
  });

  it('leaves View count blank before 2019-05-30 and string conversion types only from 2024-07-03', () => {
    const e = entitiesFor('338047', 7, 'medium');
    const old = statRows('AD_DETAIL', e, 7, '2019-05-29');
    expect(old.length).toBeGreaterThan(0);
    expect(old.every((r) => r[15] === '')).toBe(true);
    expect(statRows('AD', e, 7, '2019-05-29').every((r) => r[13] === '')).toBe(true);
    expect(statRows('AD_DETAIL', e, 7, '2019-05-30').every((r) => r[15] !== '')).toBe(true);
    expect(statRows('AD_CONVERSION_DETAIL', e, 7, '2024-07-02').every((r) => typeof r[12] === 'number')).toBe(true);
    expect(statRows('AD_CONVERSION_DETAIL', e, 7, '2024-07-03').every((r) => typeof r[12] === 'string')).toBe(true);
  });

  it('sizes its days: medium ≈ 500, large ≈ 2,500 AD_DETAIL rows', () => {
    const medium = statRows('AD_DETAIL', entitiesFor('1', 1, 'medium'), 1, '2025-10-01').length;
    const large = statRows('AD_DETAIL', entitiesFor('2', 1, 'large'), 1, '2025-10-01').length;
    expect(medium).toBeGreaterThan(350);
    expect(medium).toBeLessThan(650);
    expect(large).toBeGreaterThan(1800);
    expect(large).toBeLessThan(3200);
  });

  it('answers 500 when fileVersion is dropped or forced (#1230), unless strictFileVersion is off', async () => {
    sim = await testSim();
    const job = await createJob(sim, 'AD', '20251001', BOB);
    const url = relative(job.downloadUrl);
    expect((await sim.call(BOB, 'GET', url.replace('&fileVersion=v2', ''))).statusCode).toBe(500);
    expect((await sim.call(BOB, 'GET', url.replace('v2', 'v1'))).statusCode).toBe(500);
    sim.state.knobs = { ...sim.state.knobs, strictFileVersion: false };
    expect((await sim.call(BOB, 'GET', url.replace('&fileVersion=v2', ''))).statusCode).toBe(200);
  });

  it('answers 404 20011 once the job is deleted or evicted', async () => {
    sim = await testSim();
    const job = await createJob(sim, 'AD', '20251001');
    await sim.call(ALICE, 'DELETE', `/stat-reports/${job.reportJobId}`);
    const res = await sim.call(ALICE, 'GET', relative(job.downloadUrl));
    expect(res.statusCode).toBe(404);
    expect(res.json().code).toBe(20011);
  });

  it('serves the configured Content-Type', async () => {
    sim = await testSim({ downloadContentType: 'application/octet-stream' });
    const job = await createJob(sim, 'AD', '20251001');
    expect((await sim.call(ALICE, 'GET', relative(job.downloadUrl))).headers['content-type']).toBe(
      'application/octet-stream',
    );
  });
});
