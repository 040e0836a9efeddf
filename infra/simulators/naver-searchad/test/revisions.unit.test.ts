import { afterEach, describe, expect, it } from 'vitest';
import { revisionAt, statReportRows, statReportTsv } from '../src/index.ts';
import { ALICE, createJob, NOON_KST, relative, type TestSim, testSim } from './helpers.ts';

const HOUR = 3_600_000;
/** One hour after the test clock starts (2025-10-10 12:00 KST). */
const FROM = new Date(NOON_KST + HOUR).toISOString();

const lines = (tsv: string) => tsv.slice(0, -1).split('\n');
const sum = (tsv: string, col: number) => lines(tsv).reduce((s, l) => s + Number(l.split('\t')[col]), 0);
/** A row's dimensions (everything before the metrics), to show a revision keeps the same rows. */
const keys = (tsv: string, metricsFrom: number) =>
  lines(tsv).map((l) => l.split('\t').slice(0, metricsFrom).join('\t'));

describe('restatements (revisions knob)', () => {
  let sim: TestSim;
  afterEach(() => sim.app.close());

  const download = async (reportTp: string, statDt: string) => {
    const job = await createJob(sim, reportTp, statDt);
    const res = await sim.call(ALICE, 'GET', relative(job.downloadUrl));
    expect(res.statusCode).toBe(200);
    return res.body;
  };

  it('Given a revision from fromTime, When jobs are made before and after it, Then only the later file differs', async () => {
    sim = await testSim({ revisions: [{ statDate: '2025-10-09', fromTime: FROM }] });
    const before = await download('AD_DETAIL', '20251009');
    const otherBefore = await download('AD_DETAIL', '20251008');
    sim.clock.advance(HOUR - 1);
    expect(await download('AD_DETAIL', '20251009')).toBe(before);
    sim.clock.advance(1);
    const after = await download('AD_DETAIL', '20251009');
    expect(after).not.toBe(before);
    expect(keys(after, 11)).toEqual(keys(before, 11));
    expect(sum(after, 11)).toBeGreaterThan(sum(before, 11));
    expect(await download('AD_DETAIL', '20251008')).toBe(otherBefore);
  });

  it('Given a revised date, When every type is downloaded, Then AD and AD_CONVERSION totals agree with their DETAIL', async () => {
    sim = await testSim({ revisions: [{ statDate: '2025-10-09', fromTime: FROM }] });
    sim.clock.advance(HOUR);
    const ad = await download('AD', '20251009');
    const detail = await download('AD_DETAIL', '20251009');
    for (const [adCol, detailCol] of [
      [9, 11],
      [10, 12],
      [11, 13],
      [12, 14],
      [13, 15],
    ] as const) {
      expect(sum(ad, adCol)).toBe(sum(detail, detailCol));
    }
    const conversion = await download('AD_CONVERSION', '20251009');
    const conversionDetail = await download('AD_CONVERSION_DETAIL', '20251009');
    expect(sum(conversion, 11)).toBe(sum(conversionDetail, 13));
    expect(sum(conversion, 12)).toBe(sum(conversionDetail, 14));
  });

  it('Given two revisions in effect, When downloaded, Then it is revision 2 and differs from revisions 0 and 1', async () => {
    const later = new Date(NOON_KST + 2 * HOUR).toISOString();
    const revisions = [
      { statDate: '2025-10-09', fromTime: FROM },
      { statDate: '2025-10-09', fromTime: later },
    ];
    sim = await testSim({ revisions });
    sim.clock.advance(2 * HOUR);
    expect(revisionAt(revisions, 'AD', '2025-10-09', sim.clock.ms)).toBe(2);
    const served = await download('AD', '20251009');
    expect(served).toBe(statReportTsv(ALICE, 'AD', '2025-10-09', 2));
    expect(served).not.toBe(statReportTsv(ALICE, 'AD', '2025-10-09', 1));
    expect(served).not.toBe(statReportTsv(ALICE, 'AD', '2025-10-09', 0));
  });

  it('Given the exported truth, When compared with what each type downloads, Then they are the same bytes', async () => {
    sim = await testSim({ revisions: [{ statDate: '2025-10-09', fromTime: FROM }] });
    sim.clock.advance(HOUR);
    for (const type of ['AD', 'AD_DETAIL', 'AD_CONVERSION', 'AD_CONVERSION_DETAIL']) {
      expect(await download(type, '20251009')).toBe(statReportTsv(ALICE, type, '2025-10-09', 1));
      expect(await download(type, '20251008')).toBe(statReportTsv(ALICE, type, '2025-10-08'));
    }
    const rows = statReportRows(ALICE, 'AD_DETAIL', '2025-10-09', 1);
    expect(rows.map((r) => `${r.join('\t')}\n`).join('')).toBe(statReportTsv(ALICE, 'AD_DETAIL', '2025-10-09', 1));
  });

  it('Given a revision for one type, When other types are requested, Then they keep revision 0', async () => {
    sim = await testSim({ revisions: [{ statDate: '2025-10-09', reportTp: 'AD_CONVERSION', fromTime: FROM }] });
    sim.clock.advance(HOUR);
    expect(await download('AD', '20251009')).toBe(statReportTsv(ALICE, 'AD', '2025-10-09'));
    expect(await download('AD_CONVERSION', '20251009')).toBe(statReportTsv(ALICE, 'AD_CONVERSION', '2025-10-09', 1));
  });

  it('Given a job made before the revision, When downloaded after fromTime, Then it still serves its own revision', async () => {
    sim = await testSim({ revisions: [{ statDate: '2025-10-09', fromTime: FROM }] });
    const job = await createJob(sim, 'AD', '20251009');
    sim.clock.advance(2 * HOUR);
    expect((await sim.call(ALICE, 'GET', relative(job.downloadUrl))).body).toBe(
      statReportTsv(ALICE, 'AD', '2025-10-09'),
    );
    const pool = (
      await sim.app.inject({ method: 'GET', url: `/_sim/stat-jobs?customerId=${ALICE.customerId}` })
    ).json();
    expect(pool[0]).toMatchObject({ reportJobId: job.reportJobId, revision: 0 });
  });

  it('Given a running simulator, When revisions are PATCHed in, Then new jobs serve the revised file', async () => {
    sim = await testSim();
    const before = await download('AD', '20251009');
    const patch = await sim.app.inject({
      method: 'PATCH',
      url: '/_sim/knobs',
      payload: { revisions: [{ statDate: '2025-10-09', fromTime: new Date(NOON_KST).toISOString() }] },
    });
    expect(patch.statusCode).toBe(200);
    const after = await download('AD', '20251009');
    expect(after).not.toBe(before);
    expect(after).toBe(statReportTsv(ALICE, 'AD', '2025-10-09', 1));
  });

  it('Given customer defaults, When the truth is asked without seed and size, Then it uses the config defaults', () => {
    expect(statReportTsv({ customerId: 1 }, 'AD', '2025-10-01')).toBe(
      statReportTsv({ customerId: '1', seed: 1, size: 'small' }, 'AD', '2025-10-01'),
    );
    expect(statReportRows(ALICE, 'EXPKEYWORD', '2025-10-01')).toEqual([]);
  });
});
