import { createHmac } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { ALICE, ALICE_2, BOB, createJob, relative, signedHeaders, type TestSim, testSim } from './helpers.ts';

// signedHeaders() signs the path only, as NAVER wants, so signing the wrong thing on purpose needs a raw HMAC.
const rawSign = (secret: string, base: string) => createHmac('sha256', secret).update(base).digest('base64');

describe('authentication, as NAVER’s gateway does it', () => {
  let sim: TestSim;
  afterEach(() => sim.app.close());

  it.each(['X-API-KEY', 'X-Timestamp', 'X-Signature', 'X-Customer'])('403 Missing Header names %s', async (name) => {
    sim = await testSim();
    const headers = signedHeaders(ALICE, sim.clock.ms, 'GET', '/stat-reports') as Record<string, string>;
    delete headers[name];
    const res = await sim.app.inject({ method: 'GET', url: '/stat-reports', headers });
    expect(res.statusCode).toBe(403);
    expect(res.json()).toEqual({
      header: name,
      detail: `HTTP header required: ${name}`,
      status: 403,
      title: 'Missing Header',
      type: 'urn:naver:api:problem:missing-header',
    });
    expect(res.headers['x-transaction-id']).toBeTruthy();
  });

  it('rejects a signature over the query string (pitfall #1) with invalid-signature', async () => {
    sim = await testSim();
    const headers = {
      ...signedHeaders(ALICE, sim.clock.ms, 'GET', '/stat-reports'),
      'X-Signature': rawSign(ALICE.secret, `${sim.clock.ms}.GET./stat-reports?x=1`),
    };
    const res = await sim.app.inject({ method: 'GET', url: '/stat-reports?x=1', headers });
    expect(res.statusCode).toBe(403);
    expect(res.json()).toMatchObject({ type: 'urn:naver:api:problem:invalid-signature', title: 'Invalid Signature' });
  });

  it('rejects a wrong secret and an unknown API key with invalid-signature', async () => {
    sim = await testSim();
    const wrong = await sim.call({ ...ALICE, secret: 'stale' }, 'GET', '/stat-reports');
    const unknown = await sim.call({ ...ALICE, apiKey: 'nope' }, 'GET', '/stat-reports');
    for (const res of [wrong, unknown]) {
      expect(res.statusCode).toBe(403);
      expect(res.json().type).toBe('urn:naver:api:problem:invalid-signature');
    }
  });

  it('rejects timestamps outside the skew window (default 30 s) and accepts inside it', async () => {
    sim = await testSim();
    const at = (offset: number) =>
      sim.app.inject({
        method: 'GET',
        url: '/stat-reports',
        headers: signedHeaders(ALICE, sim.clock.ms + offset, 'GET', '/stat-reports'),
      });
    expect((await at(29_000)).statusCode).toBe(200);
    expect((await at(-29_000)).statusCode).toBe(200);
    const late = await at(-61_000);
    expect(late.statusCode).toBe(403);
    expect(late.json()).toEqual({
      timestamp: String(sim.clock.ms - 61_000),
      status: 403,
      type: 'urn:naver:api:problem:invalid-timestamp',
      title: 'Invalid Timestamp',
      detail: 'Request has expired.',
    });
    expect((await at(31_000)).statusCode).toBe(403);
  });

  it('honours a configured skew window', async () => {
    sim = await testSim({ clockSkewMs: 120_000 });
    const res = await sim.app.inject({
      method: 'GET',
      url: '/stat-reports',
      headers: signedHeaders(ALICE, sim.clock.ms - 90_000, 'GET', '/stat-reports'),
    });
    expect(res.statusCode).toBe(200);
  });

  it('answers 404 1018 when the license is not linked to X-Customer', async () => {
    sim = await testSim();
    const res = await sim.call({ ...ALICE, customerId: BOB.customerId }, 'GET', '/stat-reports');
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ code: 1018, status: 404, title: 'No permission to access the resource.' });
    expect((await sim.call(ALICE_2, 'GET', '/stat-reports')).statusCode).toBe(200);
  });

  it('requires the four headers on downloads, signed over GET /report-download without the query', async () => {
    sim = await testSim();
    const job = await createJob(sim, 'AD', '20251001');
    const url = relative(job.downloadUrl);
    const bare = await sim.app.inject({ method: 'GET', url });
    expect(bare.statusCode).toBe(403);
    expect(bare.json().header).toBe('X-API-KEY');
    const signedWithQuery = await sim.app.inject({
      method: 'GET',
      url,
      headers: {
        ...signedHeaders(ALICE, sim.clock.ms, 'GET', '/report-download'),
        'X-Signature': rawSign(ALICE.secret, `${sim.clock.ms}.GET.${url}`),
      },
    });
    expect(signedWithQuery.statusCode).toBe(403);
    expect((await sim.call(ALICE, 'GET', url)).statusCode).toBe(200);
  });

  it('refuses another customer’s download token with 1018', async () => {
    sim = await testSim();
    const job = await createJob(sim, 'AD', '20251001');
    const res = await sim.call(ALICE_2, 'GET', relative(job.downloadUrl));
    expect(res.statusCode).toBe(404);
    expect(res.json().code).toBe(1018);
  });
});
