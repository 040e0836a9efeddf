import { afterEach, describe, expect, it } from 'vitest';
import { findOverlaps, type TimedRequest } from '../src/overlaps.ts';
import { RequestRecorder } from '../src/recorder.ts';
import { ALICE, type TestSim, testSim } from './helpers.ts';

const req = (origin: string | null, start: number, end: number | null, customerId = 'c1'): TimedRequest => ({
  customerId,
  origin,
  start,
  end,
});

describe('findOverlaps (the safety oracle)', () => {
  it('reports two origins with requests in flight together as in-flight, with the exact intersection', () => {
    const overlaps = findOverlaps([req('A', 0, 10), req('B', 5, 20)], 100);
    expect(overlaps).toEqual([
      {
        customerId: 'c1',
        kind: 'in-flight',
        a: { origin: 'A', start: 0, end: 10, requests: 1 },
        b: { origin: 'B', start: 5, end: 20, requests: 1 },
        from: 5,
        to: 10,
      },
    ]);
  });

  it('does not report back-to-back sessions, even touching at one instant (near miss)', () => {
    expect(findOverlaps([req('A', 0, 5), req('A', 6, 10), req('B', 10, 12), req('B', 13, 20)], 100)).toEqual([]);
    expect(findOverlaps([req('A', 0, 10), req('B', 10.000001, 11)], 100)).toEqual([]);
  });

  it('reports A…B…A interleaving without simultaneous requests as interleaved', () => {
    const overlaps = findOverlaps([req('A', 0, 1), req('B', 2, 3), req('A', 4, 5)], 100);
    expect(overlaps).toHaveLength(1);
    expect(overlaps[0]).toMatchObject({ kind: 'interleaved', from: 2, to: 3 });
  });

  it('detects a short request nested in a long one of another origin', () => {
    const overlaps = findOverlaps([req('A', 0, 100), req('B', 50, 51), req('B', 200, 201)], 1000);
    expect(overlaps[0]).toMatchObject({ kind: 'in-flight', from: 50, to: 100 });
  });

  it('treats requests starting at the same instant as overlapping, but not zero-length ones', () => {
    expect(findOverlaps([req('A', 5, 9), req('B', 5, 6)], 100)[0]!.kind).toBe('in-flight');
    expect(findOverlaps([req('A', 5, 5), req('B', 5, 9)], 100)).toEqual([]);
  });

  it('extends a request still in flight to now', () => {
    expect(findOverlaps([req('A', 0, null), req('B', 50, 60)], 100)[0]).toMatchObject({ kind: 'in-flight', to: 60 });
    expect(findOverlaps([req('A', 70, null), req('B', 50, 60)], 100)).toEqual([]);
  });

  it('keeps customer ids apart and ignores requests without an origin', () => {
    expect(findOverlaps([req('A', 0, 10, 'c1'), req('B', 0, 10, 'c2'), req(null, 0, 10, 'c1')], 100)).toEqual([]);
  });

  it('reports every overlapping pair among three origins', () => {
    const overlaps = findOverlaps([req('A', 0, 10), req('B', 5, 15), req('C', 12, 20)], 100);
    expect(overlaps.map((o) => `${o.a.origin}${o.b.origin}`)).toEqual(['AB', 'BC']);
  });
});

describe('RequestRecorder', () => {
  it('records arrival and completion on both clocks and computes overlaps on the monotonic one', () => {
    let mono = 0;
    let wall = 1_000;
    const recorder = new RequestRecorder({ now: () => wall, mono: () => mono });
    const a = recorder.arrive('c1', 'A', 'GET', '/stat-reports');
    mono = 1;
    wall = 1_001;
    const b = recorder.arrive('c1', 'B', 'GET', '/stat-reports');
    mono = 2;
    recorder.complete(a, 200);
    recorder.complete(b, 429);
    expect(recorder.requests('c1')).toMatchObject([
      { origin: 'A', status: 200, arrivedAt: 1000, arrivedMono: 0, completedMono: 2 },
      { origin: 'B', status: 429, arrivedAt: 1001, arrivedMono: 1, completedMono: 2 },
    ]);
    expect(recorder.overlaps('c1')).toHaveLength(1);
    expect(recorder.overlaps('other')).toEqual([]);
  });

  it("leaves another tool's requests out of the overlaps and the unattributed count", () => {
    // Given a lease holder's request and, on the wire at the same time, two requests another tool sent
    let mono = 0;
    const recorder = new RequestRecorder({ now: () => 0, mono: () => mono });
    const ours = recorder.arrive('c1', 'import-1#3', 'GET', '/stat-reports/1');
    const deleteAll = recorder.arrive('c1', null, 'DELETE', '/stat-reports', 'chaos-tool');
    const create = recorder.arrive('c1', 'other-tool-origin', 'POST', '/stat-reports', 'chaos-tool');
    mono = 5;
    for (const seq of [ours, deleteAll, create]) recorder.complete(seq, 200);
    // When the oracle is asked
    // Then neither foreign request is an overlap with the lease or an unattributed request of Reportline's
    expect(recorder.overlaps('c1')).toEqual([]);
    expect(recorder.unattributed('c1')).toEqual([]);
    // And both are still recorded, with their label, as NAVER saw them
    expect(recorder.requests('c1').map((r) => r.foreign)).toEqual([null, 'chaos-tool', 'chaos-tool']);
  });

  it('drops the oldest records beyond its limit', () => {
    const recorder = new RequestRecorder({ now: () => 0, mono: () => 0, limit: 2 });
    for (let i = 0; i < 3; i++) recorder.arrive('c1', null, 'GET', `/p${i}`);
    expect(recorder.requests().map((r) => r.path)).toEqual(['/p1', '/p2']);
  });
});

describe('/_sim endpoints', () => {
  let sim: TestSim;
  afterEach(() => sim.app.close());

  it('expose recordings (with origin, path without query) and overlaps', async () => {
    sim = await testSim();
    await sim.call(ALICE, 'GET', '/stat-reports?x=1', undefined, { 'X-Reportline-Origin': 'import-1#7' });
    await sim.call(ALICE, 'GET', '/stat-reports');
    const requests = (await sim.app.inject({ url: `/_sim/requests?customerId=${ALICE.customerId}` })).json();
    expect(requests).toMatchObject([
      { origin: 'import-1#7', path: '/stat-reports', status: 200, method: 'GET' },
      { origin: null, status: 200 },
    ]);
    expect((await sim.app.inject({ url: '/_sim/overlaps' })).json()).toEqual({ overlaps: [], unattributed: 1 });
  });

  it('record the X-Sim-Foreign label and answer the labelled request as NAVER would', async () => {
    // Given a job of ours in the pool and another tool sharing the customer id
    sim = await testSim();
    const origin = { 'X-Reportline-Origin': 'import-1#7' };
    const created = await sim.call(ALICE, 'POST', '/stat-reports', { reportTp: 'AD', statDt: '20251005' }, origin);
    expect(created.statusCode).toBe(200);
    // When that tool deletes all the customer's jobs
    const deleted = await sim.call(ALICE, 'DELETE', '/stat-reports', undefined, { 'X-Sim-Foreign': 'other-tool' });
    // Then NAVER did it (ours is gone), and the oracle saw a foreign request, not an unattributed one of ours
    expect(deleted.statusCode).toBe(204);
    expect(
      (await sim.call(ALICE, 'GET', `/stat-reports/${created.json().reportJobId}`, undefined, origin)).statusCode,
    ).toBe(404);
    const requests = (await sim.app.inject({ url: `/_sim/requests?customerId=${ALICE.customerId}` })).json();
    expect(requests.map((r: { foreign: string | null }) => r.foreign)).toEqual([null, 'other-tool', null]);
    expect((await sim.app.inject({ url: '/_sim/overlaps' })).json()).toEqual({ overlaps: [], unattributed: 0 });
  });

  it('PATCH /_sim/knobs validates and merges', async () => {
    sim = await testSim();
    const ok = await sim.app.inject({ method: 'PATCH', url: '/_sim/knobs', payload: { rates: { error: 0.5 } } });
    expect(ok.json().rates).toMatchObject({ error: 0.5, http500: 0 });
    const bad = await sim.app.inject({ method: 'PATCH', url: '/_sim/knobs', payload: { rates: { error: 2 } } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error).toContain('rates.error');
  });
});
