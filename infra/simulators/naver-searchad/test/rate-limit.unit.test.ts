import { afterEach, describe, expect, it } from 'vitest';
import { ALICE, ALICE_2, BOB, createJob, relative, type TestSim, testSim } from './helpers.ts';

describe('report-endpoint rate limit', () => {
  let sim: TestSim;
  afterEach(() => sim.app.close());

  const burst = async (customer: typeof ALICE | typeof ALICE_2 | typeof BOB, n: number) => {
    const codes: number[] = [];
    for (let i = 0; i < n; i++) codes.push((await sim.call(customer, 'GET', '/stat-reports')).statusCode);
    return codes;
  };

  it('answers 429 with NAVER’s body past 10 requests in one second per customer id, and recovers', async () => {
    sim = await testSim({ rateLimit: { perSecond: 10 } });
    expect(await burst(ALICE, 10)).toEqual(Array(10).fill(200));
    const refused = await sim.call(ALICE, 'GET', '/stat-reports');
    expect(refused.statusCode).toBe(429);
    expect(refused.json()).toEqual({
      code: 429,
      status: 429,
      title: 'Cannot handle the request. Too many requests already exist.',
    });
    expect(await burst(ALICE_2, 10)).toEqual(Array(10).fill(200)); // other customer id, same license
    sim.clock.advance(1000);
    expect(await burst(ALICE, 1)).toEqual([200]);
  });

  it('can key the limit per license instead', async () => {
    sim = await testSim({ rateLimit: { perSecond: 10, key: 'license' } });
    await burst(ALICE, 5);
    expect(await burst(ALICE_2, 6)).toEqual([...Array(5).fill(200), 429]);
    expect(await burst(BOB, 1)).toEqual([200]);
  });

  it('can answer with the legacy JSON or an HTML page', async () => {
    sim = await testSim({ rateLimit: { perSecond: 1, style: 'html' } });
    await burst(ALICE, 1);
    const res = await sim.call(ALICE, 'GET', '/stat-reports');
    expect(res.statusCode).toBe(429);
    expect(res.headers['content-type']).toContain('text/html');
  });

  it('is 10 per second per customer id by default, over every report endpoint downloads included', async () => {
    sim = await testSim({ rateLimit: {} });
    const job = await createJob(sim, 'AD', '20251001');
    await sim.call(ALICE, 'POST', '/master-reports', { item: 'Campaign' });
    for (let i = 0; i < 4; i++) await sim.call(ALICE, 'GET', relative(job.downloadUrl));
    expect(await burst(ALICE, 5)).toEqual([200, 200, 200, 200, 429]);
    expect((await sim.call(ALICE, 'GET', relative(job.downloadUrl))).statusCode).toBe(429);
  });

  it('leaves downloads out of the window with countDownloads false', async () => {
    sim = await testSim({ rateLimit: { perSecond: 2, countDownloads: false } });
    const job = await createJob(sim, 'AD', '20251001');
    for (let i = 0; i < 5; i++) expect((await sim.call(ALICE, 'GET', relative(job.downloadUrl))).statusCode).toBe(200);
    expect(await burst(ALICE, 2)).toEqual([200, 429]);
  });

  it('is off with perSecond 0', async () => {
    sim = await testSim({ rateLimit: { perSecond: 0 } });
    expect((await burst(ALICE, 50)).every((c) => c === 200)).toBe(true);
  });
});
