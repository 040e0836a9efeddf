import {
  createNaverClient,
  interpretStatReport,
  type NaverClientOptions,
  NaverError,
  RateBudget,
} from '@reportline/naver-client';
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningSimulator, startSimulator } from '../src/app.ts';
import type { SimulatorConfigInput } from '../src/config.ts';
import { ALICE, ALICE_2, BOB, ManualClock } from './helpers.ts';

type Knobs = NonNullable<SimulatorConfigInput['knobs']>;

// The real client over a loopback socket against the simulator, one scenario per status and error class.
describe('naver-client against the simulator', () => {
  let sim: RunningSimulator;
  let clock: ManualClock;
  afterEach(() => sim.close());

  const start = async (knobs: Knobs = {}, at?: number) => {
    clock = new ManualClock(at);
    sim = await startSimulator(
      {
        customers: [ALICE, ALICE_2, BOB],
        knobs: { reportBuildMs: 0, masterBuildMs: 0, rateLimit: { perSecond: 0 }, ...knobs },
      },
      { now: clock.now },
    );
  };
  const client = (overrides: Partial<NaverClientOptions> = {}) =>
    createNaverClient({
      baseUrl: sim.url,
      apiKey: ALICE.apiKey,
      secret: ALICE.secret,
      customerId: ALICE.customerId,
      now: () => clock.ms,
      limiter: new RateBudget({ maxPerSecond: 0, initialBackoffMs: 1 }),
      ...overrides,
    });
  const failure = async (promise: Promise<unknown>): Promise<NaverError> => {
    const error = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(NaverError);
    return error as NaverError;
  };
  const text = async (stream: ReadableStream<Uint8Array>) => {
    let out = '';
    const decoder = new TextDecoder();
    for await (const chunk of stream) out += decoder.decode(chunk, { stream: true });
    return out + decoder.decode();
  };

  it('creates (YYYY-MM-DD → YYYYMMDD), polls, streams the download verbatim and deletes; sends the origin', async () => {
    await start({ reportBuildMs: 1000 });
    const urls: string[] = [];
    const spy: typeof fetch = (input, init) => {
      urls.push(String(input));
      return fetch(input, init);
    };
    const c = client({ origin: 'import-1#3', fetch: spy });
    const job = await c.createStatReport('AD_DETAIL', '2025-10-01');
    expect(job).toMatchObject({ statDt: '2025-09-30T15:00:00Z', status: 'REGIST', downloadUrl: '' });
    expect(interpretStatReport(job)).toEqual({ state: 'pending', status: 'REGIST' });
    clock.advance(1000);
    const outcome = interpretStatReport(await c.getStatReport(job.reportJobId));
    if (outcome.state !== 'built') throw new Error(`expected built, got ${outcome.state}`);
    const body = await text(await c.download(outcome.downloadUrl));
    expect(body.split('\n')[0]!.split('\t')).toHaveLength(16);
    expect(urls.at(-1)).toBe(outcome.downloadUrl);
    expect(await c.listStatReports()).toHaveLength(1);
    expect(await c.deleteStatReport(job.reportJobId)).toBe('deleted');
    expect(await c.deleteStatReport(job.reportJobId)).toBe('already-gone');
    const recorded = sim.recorder.requests(ALICE.customerId);
    expect(recorded.every((r) => r.origin === 'import-1#3')).toBe(true);
    expect(recorded.map((r) => `${r.method} ${r.path} ${r.status}`)).toContain('GET /report-download 200');
  });

  it('has no call that deletes all jobs', () => {
    return start().then(() => {
      const names = Object.keys(client());
      expect(names.filter((n) => /delete/i.test(n)).sort()).toEqual(['deleteMasterReport', 'deleteStatReport']);
    });
  });

  it('credential-invalid: stale secret, and a license not linked to the customer (1018); no secret in messages', async () => {
    await start();
    const stale = await failure(client({ secret: 'rotated-secret' }).listStatReports());
    expect(stale).toMatchObject({ kind: 'credential-invalid', httpStatus: 403, endpoint: 'GET /stat-reports' });
    expect(stale.message).not.toContain('rotated-secret');
    expect(stale.message).not.toMatch(/[A-Za-z0-9+/]{43}=/);
    const unlinked = await failure(client({ customerId: BOB.customerId }).listStatReports());
    expect(unlinked).toMatchObject({ kind: 'credential-invalid', httpStatus: 404, naverCode: 1018 });
  });

  it('clock-skew: the gateway rejects a timestamp a minute off', async () => {
    await start();
    const error = await failure(client({ now: () => clock.ms - 60_000 }).listStatReports());
    expect(error).toMatchObject({ kind: 'clock-skew', httpStatus: 403 });
  });

  it('not-ready: 20007 for yesterday before 06:00 KST, and AGGREGATING jobs', async () => {
    await start({}, Date.parse('2025-10-09T19:00:00Z')); // 04:00 KST 2025-10-10
    const error = await failure(client().createStatReport('AD', '2025-10-09'));
    expect(error).toMatchObject({ kind: 'not-ready', naverCode: 20007, retryable: true });
    sim.state.knobs = { ...sim.state.knobs, rates: { ...sim.state.knobs.rates, aggregating: 1 } };
    const outcome = interpretStatReport(await client().createStatReport('AD', '2025-10-08'));
    expect(outcome.state === 'failed' && outcome.error.kind).toBe('not-ready');
  });

  it('out-of-look-back: today, and beyond the type’s look-back (10004)', async () => {
    await start();
    expect((await failure(client().createStatReport('AD', '2025-10-10'))).kind).toBe('out-of-look-back');
    expect((await failure(client().createStatReport('AD_CONVERSION_DETAIL', '2025-08-01'))).naverCode).toBe(10004);
  });

  it('job-vanished: a polled job evicted by the 101st create (here: limit 1) answers 404 20011', async () => {
    await start({ statJobLimit: 1 });
    const mine = await client().createStatReport('AD', '2025-10-01');
    await client({ origin: 'someone-else' }).createStatReport('AD', '2025-10-02');
    const error = await failure(client().getStatReport(mine.reportJobId));
    expect(error).toMatchObject({ kind: 'job-vanished', httpStatus: 404, naverCode: 20011 });
  });

  it('rate-limited: 429s are absorbed by the shared budget, and surface once retries are exhausted', async () => {
    await start({ rateLimit: { perSecond: 2 } });
    const budget = new RateBudget({ maxPerSecond: 0, initialBackoffMs: 1, maxBackoffMs: 2 });
    const c = client({ limiter: budget, maxRateLimitRetries: 3 });
    await c.listStatReports();
    await c.listStatReports();
    const error = await failure(c.listStatReports()); // the manual clock never moves: the window never frees up
    expect(error).toMatchObject({ kind: 'rate-limited', httpStatus: 429 });
    expect(budget.snapshot(ALICE.customerId).consecutiveRateLimited).toBe(4);
    clock.advance(1000);
    await expect(c.listStatReports()).resolves.toEqual([]);
    expect(budget.snapshot(ALICE.customerId).consecutiveRateLimited).toBe(0);
  });

  it('paces concurrent calls of one customer id under the simulator’s limit (no 429 at all)', async () => {
    sim = await startSimulator({ customers: [ALICE], knobs: { rateLimit: { perSecond: 20 } } });
    clock = new ManualClock(Date.now());
    const budget = new RateBudget({ maxPerSecond: 10 }); // half the limit: robust to event-loop stalls
    const c = client({ limiter: budget, now: Date.now });
    await Promise.all(Array.from({ length: 20 }, () => c.listStatReports()));
    const statuses = sim.recorder.requests().map((r) => r.status);
    expect(statuses).toHaveLength(20);
    expect(statuses.every((s) => s === 200)).toBe(true);
  });

  it('transient: 500s, ERROR jobs, timeouts and network failures', async () => {
    await start({ rates: { http500: 1 } });
    expect(await failure(client().listStatReports())).toMatchObject({
      kind: 'transient',
      httpStatus: 500,
      naverCode: 500,
    });
    sim.state.knobs = { ...sim.state.knobs, rates: { ...sim.state.knobs.rates, http500: 0, error: 1 } };
    const outcome = interpretStatReport(await client().createStatReport('AD', '2025-10-01'));
    expect(outcome.state === 'failed' && outcome.error.kind).toBe('transient');
    sim.state.knobs = { ...sim.state.knobs, latencyMs: 300 };
    const timeout = await failure(client({ timeoutMs: 50 }).listStatReports());
    expect(timeout.kind).toBe('transient');
    expect(timeout.message).toContain('timed out');
    const closed = await failure(client({ baseUrl: 'http://127.0.0.1:1' }).listStatReports());
    expect(closed.kind).toBe('transient');
  });

  it('a caller abort rejects with the caller’s reason, not a NaverError', async () => {
    await start({ latencyMs: 300 });
    const controller = new AbortController();
    const call = client().listStatReports({ signal: controller.signal });
    setTimeout(() => controller.abort(new Error('lease lost')), 20);
    await expect(call).rejects.toThrow('lease lost');
  });

  it('unexpected: our own bad parameter (11001) and answers that fail validation', async () => {
    await start();
    const bad = await failure(client().createStatReport('NOT_A_TYPE' as 'AD', '2025-10-01'));
    expect(bad).toMatchObject({ kind: 'unexpected', naverCode: 11001 });
    const garbage: typeof fetch = async () => new Response('{"reportJobId":"x"}', { status: 200 });
    const shape = await failure(client({ fetch: garbage }).getStatReport(1));
    expect(shape.kind).toBe('unexpected');
    expect(shape.message).toContain('reportJobId');
    expect(() => client().createStatReport('AD', '20251001')).toThrow(/YYYY-MM-DD/);
  });

  it('the guard is awaited before every request; when it throws, nothing is sent', async () => {
    await start();
    const seen: string[] = [];
    const c = client({
      guard: async ({ method, path }) => {
        seen.push(`${method} ${path}`);
        if (seen.length > 1) throw new Error('fencing token superseded');
      },
    });
    await c.listStatReports();
    await expect(c.createStatReport('AD', '2025-10-01')).rejects.toThrow('fencing token superseded');
    expect(seen).toEqual(['GET /stat-reports', 'POST /stat-reports']);
    expect(sim.recorder.requests().map((r) => r.method)).toEqual(['GET']);
  });

  it('refuses to send credentials to a foreign download host', async () => {
    await start();
    const error = await failure(
      client().download('https://evil.example.com/report-download?authtoken=x&fileVersion=v2'),
    );
    expect(error.kind).toBe('unexpected');
    expect(sim.recorder.requests()).toEqual([]);
  });

  it('master reports: create, poll, download, list, delete; deleted → null; the 101st → job-limit', async () => {
    await start({ masterJobLimit: 2 });
    const c = client();
    const job = await c.createMasterReport('Campaign');
    const polled = await c.getMasterReport(job.id);
    expect(polled?.status).toBe('BUILT');
    const rows = (await text(await c.download(polled!.downloadUrl))).slice(0, -1).split('\n');
    expect(rows[0]!.split('\t')).toHaveLength(12);
    await c.createMasterReport('Keyword', '2020-01-01T00:00:00Z');
    expect(await c.listMasterReports()).toHaveLength(2);
    expect((await failure(c.createMasterReport('Ad'))).kind).toBe('job-limit');
    expect(await c.deleteMasterReport(job.id)).toBe('deleted');
    expect(await c.getMasterReport(job.id)).toBeNull();
  });
});
