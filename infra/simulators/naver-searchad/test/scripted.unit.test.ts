import { afterEach, describe, expect, it } from 'vitest';
import { ALICE, createJob, type TestSim, testSim } from './helpers.ts';

describe('scripted per-date outcomes', () => {
  let sim: TestSim;
  afterEach(() => sim.app.close());

  const statusOf = async (id: number) => (await sim.call(ALICE, 'GET', `/stat-reports/${id}`)).json().status;
  const post = (reportTp: string, statDt: string) => sim.call(ALICE, 'POST', '/stat-reports', { reportTp, statDt });

  it.each([['AGGREGATING'], ['NONE'], ['ERROR']] as const)(
    'Given %s scripted for a date, When its job is built, Then it ends so, with no downloadUrl',
    async (outcome) => {
      sim = await testSim({ reportBuildMs: 10_000, scripted: [{ statDate: '2025-10-01', outcome }] });
      const job = await createJob(sim, 'AD', '20251001');
      expect(job.status).toBe('REGIST');
      sim.clock.advance(10_000);
      const polled = (await sim.call(ALICE, 'GET', `/stat-reports/${job.reportJobId}`)).json();
      expect(polled).toMatchObject({ status: outcome, downloadUrl: '' });
    },
  );

  it('Given CHANGED scripted, When built, Then the status is the changedStatus string and nothing downloads', async () => {
    sim = await testSim({
      changedStatus: 'METRICS_CHANGED',
      scripted: [{ statDate: '2025-10-01', outcome: 'CHANGED' }],
    });
    const job = await createJob(sim, 'AD', '20251001');
    expect(job).toMatchObject({ status: 'METRICS_CHANGED', downloadUrl: '' });
  });

  it('Given 20007 scripted twice, When the date is requested, Then two creates answer 20007 and the third builds', async () => {
    sim = await testSim({ scripted: [{ statDate: '2025-10-01', outcome: '20007', times: 2 }] });
    for (let i = 0; i < 2; i++) {
      const res = await post('AD', '20251001');
      expect(res.statusCode).toBe(400);
      expect(res.json()).toEqual({ code: 20007, message: '해당 일자 지표 준비중입니다.' });
    }
    expect((await sim.call(ALICE, 'GET', '/stat-reports')).json()).toEqual([]);
    expect((await post('AD', '20251001')).json().status).toBe('BUILT');
  });

  it('Given NONE once (#1243), When the date is re-requested, Then the second job is BUILT and the knob is used up', async () => {
    sim = await testSim({ scripted: [{ statDate: '2025-10-01', outcome: 'NONE', times: 1 }] });
    expect((await createJob(sim, 'AD_DETAIL', '20251001')).status).toBe('NONE');
    expect((await createJob(sim, 'AD_DETAIL', '20251001')).status).toBe('BUILT');
    expect((await sim.app.inject({ method: 'GET', url: '/_sim/knobs' })).json().scripted).toEqual([]);
  });

  it('Given times 3, When used once, Then GET /_sim/knobs shows 2 left', async () => {
    sim = await testSim({ scripted: [{ statDate: '2025-10-01', outcome: 'ERROR', times: 3 }] });
    await createJob(sim, 'AD', '20251001');
    expect((await sim.app.inject({ method: 'GET', url: '/_sim/knobs' })).json().scripted).toEqual([
      { statDate: '2025-10-01', outcome: 'ERROR', times: 2 },
    ]);
  });

  it('Given no times, When the date is requested again and again, Then the outcome holds for good', async () => {
    sim = await testSim({ scripted: [{ statDate: '2025-10-01', outcome: 'ERROR' }] });
    for (let i = 0; i < 5; i++) expect((await createJob(sim, 'AD', '20251001')).status).toBe('ERROR');
  });

  it('Given an entry with reportTp, When another type or date is requested, Then it behaves normally', async () => {
    sim = await testSim({ scripted: [{ reportTp: 'AD_CONVERSION', statDate: '2025-10-01', outcome: 'ERROR' }] });
    expect((await createJob(sim, 'AD', '20251001')).status).toBe('BUILT');
    expect((await createJob(sim, 'AD_CONVERSION', '20251002')).status).toBe('BUILT');
    expect((await createJob(sim, 'AD_CONVERSION', '20251001')).status).toBe('ERROR');
  });

  it('Given a request outside the look-back, When scripted, Then it answers 10004 and uses nothing up', async () => {
    sim = await testSim({ scripted: [{ statDate: '2025-10-10', outcome: 'NONE', times: 1 }] });
    expect((await post('AD', '20251010')).json().code).toBe(10004);
    expect((await sim.app.inject({ method: 'GET', url: '/_sim/knobs' })).json().scripted).toHaveLength(1);
  });

  it('Given a running simulator, When scripted is PATCHed in, Then later creates follow it and earlier jobs do not', async () => {
    sim = await testSim({ reportBuildMs: 10_000 });
    const before = await createJob(sim, 'AD', '20251001');
    const patch = await sim.app.inject({
      method: 'PATCH',
      url: '/_sim/knobs',
      payload: { scripted: [{ statDate: '2025-10-01', outcome: 'AGGREGATING', times: 1 }] },
    });
    expect(patch.statusCode).toBe(200);
    const after = await createJob(sim, 'AD', '20251001');
    sim.clock.advance(10_000);
    expect(await statusOf(before.reportJobId)).toBe('BUILT');
    expect(await statusOf(after.reportJobId)).toBe('AGGREGATING');
  });

  it('Given scripted outcomes, When the same script runs on two simulators, Then statuses and ids are identical', async () => {
    const run = async () => {
      const s = await testSim({
        rates: { error: 0.3, none: 0.3 },
        scripted: [{ statDate: '2025-10-02', outcome: 'NONE', times: 1 }],
      });
      const out: string[] = [];
      for (const d of ['20251001', '20251002', '20251002', '20251003']) {
        const res = await s.call(ALICE, 'POST', '/stat-reports', { reportTp: 'AD', statDt: d });
        out.push(`${res.json().reportJobId}:${res.json().status}`);
      }
      await s.app.close();
      return out;
    };
    const first = await run();
    sim = await testSim();
    expect(await run()).toEqual(first);
  });
});
