import { afterEach, describe, expect, it } from 'vitest';
import { ENDPOINTS } from '../src/index.ts';
import { ALICE, BOB, createJob, relative, type TestSim, testSim } from './helpers.ts';

const zeros = Object.fromEntries(ENDPOINTS.map((e) => [e, 0]));

describe('GET /_sim/stats', () => {
  let sim: TestSim;
  afterEach(() => sim.app.close());

  const stats = async (customerId?: string) =>
    (
      await sim.app.inject({
        method: 'GET',
        url: customerId === undefined ? '/_sim/stats' : `/_sim/stats?customerId=${customerId}`,
      })
    ).json();

  it('Given one call of every report endpoint, When stats are read, Then each endpoint counts once', async () => {
    sim = await testSim();
    const job = await createJob(sim, 'AD', '20251001');
    await sim.call(ALICE, 'GET', '/stat-reports');
    await sim.call(ALICE, 'GET', `/stat-reports/${job.reportJobId}`);
    await sim.call(ALICE, 'GET', relative(job.downloadUrl));
    await sim.call(ALICE, 'DELETE', `/stat-reports/${job.reportJobId}`);
    await sim.call(ALICE, 'DELETE', '/stat-reports');
    const master = (await sim.call(ALICE, 'POST', '/master-reports', { item: 'Campaign' })).json();
    await sim.call(ALICE, 'GET', '/master-reports');
    await sim.call(ALICE, 'GET', `/master-reports/${master.id}`);
    await sim.call(ALICE, 'DELETE', `/master-reports/${master.id}`);
    await sim.call(ALICE, 'DELETE', '/master-reports');
    await sim.call(BOB, 'GET', '/stat-reports');
    expect(await stats(ALICE.customerId)).toEqual({
      requests: {
        total: 11,
        byEndpoint: {
          ...zeros,
          'stat-reports.create': 1,
          'stat-reports.get': 1,
          'stat-reports.list': 1,
          'stat-reports.delete': 1,
          'stat-reports.delete-all': 1,
          'master-reports.create': 1,
          'master-reports.get': 1,
          'master-reports.list': 1,
          'master-reports.delete': 1,
          'master-reports.delete-all': 1,
          download: 1,
        },
      },
      rateLimited: 0,
      statJobsCreated: 1,
      masterJobsCreated: 1,
    });
    const all = await stats();
    expect(all.requests.total).toBe(12);
    expect(all.requests.byEndpoint['stat-reports.list']).toBe(2);
  });

  it('Given a limit of 2/s, When 5 requests arrive in one second, Then 3 count as rate-limited', async () => {
    sim = await testSim({ rateLimit: { perSecond: 2 } });
    for (let i = 0; i < 5; i++) await sim.call(ALICE, 'GET', '/stat-reports');
    expect(await stats(ALICE.customerId)).toMatchObject({ requests: { total: 5 }, rateLimited: 3 });
  });

  it('Given recorderLimit 5, When 20 requests are made, Then recordings are capped and counters are not', async () => {
    sim = await testSim({ recorderLimit: 5 });
    for (let i = 0; i < 20; i++) await createJob(sim, 'AD', '20251001');
    const recorded = (await sim.app.inject({ method: 'GET', url: '/_sim/requests' })).json();
    expect(recorded).toHaveLength(5);
    expect(await stats(ALICE.customerId)).toMatchObject({
      requests: { total: 20, byEndpoint: { 'stat-reports.create': 20 } },
      statJobsCreated: 20,
    });
  });

  it('Given counts, When DELETE /_sim/requests resets the recorder, Then counting starts again from zero', async () => {
    sim = await testSim();
    await createJob(sim, 'AD', '20251001');
    expect((await sim.app.inject({ method: 'DELETE', url: '/_sim/requests' })).statusCode).toBe(204);
    expect(await stats(ALICE.customerId)).toEqual({
      requests: { total: 0, byEndpoint: zeros },
      rateLimited: 0,
      statJobsCreated: 0,
      masterJobsCreated: 0,
    });
    await sim.call(ALICE, 'GET', '/stat-reports');
    expect((await stats(ALICE.customerId)).requests.total).toBe(1);
  });

  it('Given a 500 after the effect and a deduplicated POST, When stats are read, Then jobs created are the real ones', async () => {
    sim = await testSim({ rates: { http500AfterEffect: 1 }, dedupeDuplicatePosts: true });
    expect((await sim.call(ALICE, 'POST', '/stat-reports', { reportTp: 'AD', statDt: '20251001' })).statusCode).toBe(
      500,
    );
    expect((await sim.call(ALICE, 'POST', '/stat-reports', { reportTp: 'AD', statDt: '20251001' })).statusCode).toBe(
      200,
    );
    expect(await stats(ALICE.customerId)).toMatchObject({
      requests: { byEndpoint: { 'stat-reports.create': 2 } },
      statJobsCreated: 1,
    });
  });

  it('Given stat-report job objects, When listed, Then regTm is the injected-clock instant of registration', async () => {
    sim = await testSim();
    await createJob(sim, 'AD', '20251001');
    sim.clock.advance(61_500);
    await createJob(sim, 'AD', '20251002');
    const list = (await sim.call(ALICE, 'GET', '/stat-reports')).json();
    expect(
      list.map((j: { regTm: string; updateTm: string; statDt: string }) => [j.regTm, j.updateTm === j.statDt]),
    ).toEqual([
      ['2025-10-10T03:00:00Z', true],
      ['2025-10-10T03:01:01Z', true],
    ]);
  });
});
