import { afterEach, describe, expect, it } from 'vitest';
import { ALICE, ALICE_2, createJob, ManualClock, type TestSim, testSim } from './helpers.ts';

describe('stat reports', () => {
  let sim: TestSim;
  afterEach(() => sim.app.close());

  it('walks REGIST → RUNNING → BUILT on the injected clock; downloadUrl is empty until BUILT', async () => {
    sim = await testSim({ reportBuildMs: 10_000 });
    const job = await createJob(sim, 'AD', '20251001');
    expect(job).toMatchObject({ status: 'REGIST', downloadUrl: '', statDt: '2025-09-30T15:00:00Z' });
    expect(job).toMatchObject({ updateTm: '2025-09-30T15:00:00Z', reportTp: 'AD', regTm: '2025-10-10T03:00:00Z' });
    const poll = async () => (await sim.call(ALICE, 'GET', `/stat-reports/${job.reportJobId}`)).json();
    sim.clock.advance(5_000);
    expect(await poll()).toMatchObject({ status: 'RUNNING', downloadUrl: '' });
    sim.clock.advance(5_000);
    const built = await poll();
    expect(built.status).toBe('BUILT');
    expect(built.downloadUrl).toMatch(/^http:\/\/localhost(:\d+)?\/report-download\?authtoken=[^&]+&fileVersion=v2$/);
  });

  it('keeps a job matching stuckJobs RUNNING for good; other days and types still build', async () => {
    sim = await testSim({ reportBuildMs: 10_000, stuckJobs: [{ reportTp: 'AD', statDate: '2025-10-01' }] });
    const stuck = await createJob(sim, 'AD', '20251001');
    const otherDay = await createJob(sim, 'AD', '20251002');
    const otherType = await createJob(sim, 'AD_CONVERSION', '20251001');
    const status = async (id: number) => (await sim.call(ALICE, 'GET', `/stat-reports/${id}`)).json().status;
    sim.clock.advance(5_000);
    expect(await status(stuck.reportJobId)).toBe('RUNNING');
    sim.clock.advance(86_400_000);
    expect(await status(stuck.reportJobId)).toBe('RUNNING');
    expect(await status(otherDay.reportJobId)).toBe('BUILT');
    expect(await status(otherType.reportJobId)).toBe('BUILT');
  });

  it('a stuckJobs entry without fields matches every job; status REGIST never leaves REGIST', async () => {
    sim = await testSim({ reportBuildMs: 10_000, stuckJobs: [{ status: 'REGIST' }] });
    const job = await createJob(sim, 'AD', '20251001');
    sim.clock.advance(86_400_000);
    expect((await sim.call(ALICE, 'GET', `/stat-reports/${job.reportJobId}`)).json().status).toBe('REGIST');
  });

  it('ends NONE for a day without rows (tiny account, quiet day)', async () => {
    sim = await testSim();
    const statuses = new Set<string>();
    for (let d = 1; d <= 30; d++) {
      const res = await sim.call(ALICE_2, 'POST', '/stat-reports', {
        reportTp: 'AD',
        statDt: `202509${String(d).padStart(2, '0')}`,
      });
      statuses.add(res.json().status);
    }
    expect(statuses).toEqual(new Set(['BUILT', 'NONE']));
  });

  it('keeps 100 jobs: the 101st silently evicts the oldest, which then answers 404 20011', async () => {
    sim = await testSim();
    const first = await createJob(sim, 'AD', '20251001');
    for (let i = 0; i < 99; i++) await createJob(sim, 'AD', '20251001');
    expect((await sim.call(ALICE, 'GET', '/stat-reports')).json()).toHaveLength(100);
    expect((await sim.call(ALICE, 'GET', `/stat-reports/${first.reportJobId}`)).statusCode).toBe(200);
    const hundredFirst = await sim.call(ALICE, 'POST', '/stat-reports', { reportTp: 'AD', statDt: '20251002' });
    expect(hundredFirst.statusCode).toBe(200);
    const gone = await sim.call(ALICE, 'GET', `/stat-reports/${first.reportJobId}`);
    expect(gone.statusCode).toBe(404);
    expect(gone.json()).toEqual({ code: 20011, message: '보고서를 찾을 수 없습니다.' });
    const list = (await sim.call(ALICE, 'GET', '/stat-reports')).json() as { reportJobId: number }[];
    expect(list).toHaveLength(100);
    expect(list.at(-1)!.reportJobId).toBe(hundredFirst.json().reportJobId);
  });

  it('the pool is per customer id: another customer’s jobs do not evict', async () => {
    sim = await testSim({ statJobLimit: 2 });
    const mine = await createJob(sim, 'AD', '20251001');
    await createJob(sim, 'AD', '20251001', ALICE_2);
    await createJob(sim, 'AD', '20251001', ALICE_2);
    await createJob(sim, 'AD', '20251001', ALICE_2);
    expect((await sim.call(ALICE, 'GET', `/stat-reports/${mine.reportJobId}`)).statusCode).toBe(200);
  });

  it('DELETE /stat-reports deletes ALL jobs of the customer (and only that customer)', async () => {
    sim = await testSim();
    const a = await createJob(sim, 'AD', '20251001');
    await createJob(sim, 'AD_DETAIL', '20251002');
    const other = await createJob(sim, 'AD', '20251001', ALICE_2);
    expect((await sim.call(ALICE, 'DELETE', '/stat-reports')).statusCode).toBe(204);
    expect((await sim.call(ALICE, 'GET', '/stat-reports')).json()).toEqual([]);
    expect((await sim.call(ALICE, 'GET', `/stat-reports/${a.reportJobId}`)).json().code).toBe(20011);
    expect((await sim.call(ALICE_2, 'GET', `/stat-reports/${other.reportJobId}`)).statusCode).toBe(200);
  });

  it('DELETE /stat-reports/:id answers 204, then 404 20011', async () => {
    sim = await testSim();
    const a = await createJob(sim, 'AD', '20251001');
    expect((await sim.call(ALICE, 'DELETE', `/stat-reports/${a.reportJobId}`)).statusCode).toBe(204);
    expect((await sim.call(ALICE, 'DELETE', `/stat-reports/${a.reportJobId}`)).json().code).toBe(20011);
  });

  const post = (statDt: string, reportTp = 'AD') => sim.call(ALICE, 'POST', '/stat-reports', { reportTp, statDt });

  it('rejects today and the future with 400 10004; yesterday (after the ready hour) is fine', async () => {
    sim = await testSim();
    for (const statDt of ['20251010', '20251011']) {
      const res = await post(statDt);
      expect(res.statusCode).toBe(400);
      expect(res.json()).toEqual({
        code: 10004,
        message: '선택하신 조건에 지표가 확인되지 않습니다. 보고서 항목이나 기간을 조정하세요.',
      });
    }
    expect((await post('20251009')).statusCode).toBe(200);
  });

  it.each([
    ['AD', 365],
    ['AD_DETAIL', 30],
    ['AD_CONVERSION', 365],
    ['AD_CONVERSION_DETAIL', 45],
  ])('enforces %s look-back of %i days exactly', async (reportTp, days) => {
    sim = await testSim({ today: '2025-10-10' });
    const date = (back: number) =>
      new Date(Date.parse('2025-10-10T00:00:00Z') - back * 86_400_000).toISOString().slice(0, 10).replaceAll('-', '');
    expect((await post(date(days), reportTp)).statusCode).toBe(200);
    const beyond = await post(date(days + 1), reportTp);
    expect(beyond.statusCode).toBe(400);
    expect(beyond.json().code).toBe(10004);
  });

  it('AD_DETAIL look-back is a knob (30 vs 180 days unresolved)', async () => {
    sim = await testSim({ lookBackDays: { AD_DETAIL: 180 } });
    expect((await post('20250501', 'AD_DETAIL')).statusCode).toBe(200);
  });

  it('answers 20007 for yesterday before the data-ready hour (KST), and builds after it', async () => {
    const clock = new ManualClock(Date.parse('2025-10-09T20:30:00Z')); // 05:30 KST on 2025-10-10
    sim = await testSim({}, clock);
    const early = await post('20251009');
    expect(early.statusCode).toBe(400);
    expect(early.json()).toEqual({ code: 20007, message: '해당 일자 지표 준비중입니다.' });
    expect((await post('20251008')).statusCode).toBe(200);
    clock.advance(30 * 60_000); // 06:00 KST
    expect((await post('20251009')).statusCode).toBe(200);
  });

  it('uses the today override with the clock’s hour, and the 20007 HTTP status knob', async () => {
    sim = await testSim({ today: '2025-12-01', dataReadyHourKst: 13, httpStatus20007: 200 });
    const res = await post('20251130'); // clock says 12:00 KST
    expect(res.statusCode).toBe(200);
    expect(res.json().code).toBe(20007);
  });

  it.each([['2024-07-04'], ['20251332'], ['2025101'], [20251001]])('answers 11001 for statDt %s', async (statDt) => {
    sim = await testSim();
    const res = await sim.call(ALICE, 'POST', '/stat-reports', { reportTp: 'AD', statDt });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ code: 11001, message: '잘못된 파라미터 형식입니다.' });
  });

  it('answers 11001 for an unknown report type, with the configured status', async () => {
    sim = await testSim({ httpStatus11001: 422 });
    const res = await post('20251001', 'NOPE');
    expect(res.statusCode).toBe(422);
    expect(res.json().code).toBe(11001);
  });

  it('duplicate POSTs create new jobs unless dedupeDuplicatePosts is on', async () => {
    sim = await testSim();
    expect((await createJob(sim, 'AD', '20251001')).reportJobId).not.toBe(
      (await createJob(sim, 'AD', '20251001')).reportJobId,
    );
    await sim.app.close();
    sim = await testSim({ dedupeDuplicatePosts: true });
    expect((await createJob(sim, 'AD', '20251001')).reportJobId).toBe(
      (await createJob(sim, 'AD', '20251001')).reportJobId,
    );
  });

  it('orders GET /stat-reports by the listOrder knob', async () => {
    sim = await testSim({ listOrder: 'created-desc' });
    const a = await createJob(sim, 'AD', '20251001');
    const b = await createJob(sim, 'AD', '20251002');
    const ids = (await sim.call(ALICE, 'GET', '/stat-reports'))
      .json()
      .map((j: { reportJobId: number }) => j.reportJobId);
    expect(ids).toEqual([b.reportJobId, a.reportJobId]);
  });

  it('forgets jobs after the retention period (14 days)', async () => {
    sim = await testSim();
    const a = await createJob(sim, 'AD', '20251001');
    sim.clock.advance(14 * 86_400_000 + 1);
    expect((await sim.call(ALICE, 'GET', `/stat-reports/${a.reportJobId}`)).json().code).toBe(20011);
  });

  it.each([
    [{ error: 1 }, 'ERROR'],
    [{ aggregating: 1 }, 'AGGREGATING'],
    [{ none: 1 }, 'NONE'],
    [{ changed: 1 }, 'CHANGED'],
  ])('final status follows failure rates %o', async (rates, status) => {
    sim = await testSim({ rates, reportBuildMs: 1000 });
    const job = await createJob(sim, 'AD', '20251009');
    sim.clock.advance(1000);
    const polled = (await sim.call(ALICE, 'GET', `/stat-reports/${job.reportJobId}`)).json();
    expect(polled).toMatchObject({ status, downloadUrl: '' });
  });

  it('WAITING is a pass-through state that ends BUILT', async () => {
    sim = await testSim({ rates: { waiting: 1 }, reportBuildMs: 1000 });
    const job = await createJob(sim, 'AD', '20251001');
    const poll = async () => (await sim.call(ALICE, 'GET', `/stat-reports/${job.reportJobId}`)).json().status;
    sim.clock.advance(600);
    expect(await poll()).toBe('WAITING');
    sim.clock.advance(1000);
    expect(await poll()).toBe('RUNNING');
    sim.clock.advance(400);
    expect(await poll()).toBe('BUILT');
  });

  it('http500 fails before any effect; http500AfterEffect creates the job then answers 500', async () => {
    sim = await testSim({ rates: { http500: 1 } });
    const before = await sim.call(ALICE, 'POST', '/stat-reports', { reportTp: 'AD', statDt: '20251001' });
    expect(before.statusCode).toBe(500);
    expect(before.json()).toEqual({ code: 500, message: 'Internal Server Error' });
    sim.state.knobs = { ...sim.state.knobs, rates: { ...sim.state.knobs.rates, http500: 0, http500AfterEffect: 1 } };
    expect((await sim.call(ALICE, 'GET', '/stat-reports')).json()).toHaveLength(0);
    expect((await sim.call(ALICE, 'POST', '/stat-reports', { reportTp: 'AD', statDt: '20251001' })).statusCode).toBe(
      500,
    );
    expect((await sim.call(ALICE, 'GET', '/stat-reports')).json()).toHaveLength(1);
  });

  it('accepts Content-Type: application/json on bodyless requests, as the official samples send', async () => {
    sim = await testSim();
    const res = await sim.call(ALICE, 'GET', '/stat-reports', undefined, {
      'Content-Type': 'application/json; charset=UTF-8',
    });
    expect(res.statusCode).toBe(200);
  });
});
