import { leaseDeadline } from '@reportline/lease-holder';
import { NaverError, type StatReportJob } from '@reportline/naver-client';
import { manualClock } from '@reportline/platform';
import { describe, expect, it } from 'vitest';
import { describeFailure } from '../src/domain/failure.ts';
import { NaverReportStuckError } from '../src/domain/job-wait.ts';
import type { ReportTask } from '../src/domain/plan.ts';
import { downloadAll, type WindowDeps } from '../src/download-window.ts';

/**
 * A NAVER stand-in that builds each job after one poll, and can make chosen jobs vanish once, or keep the first
 * `stuck[task]` jobs of a task RUNNING for good.
 */
function fakeNaver(opts: { vanishOnce?: Set<string>; emptyFile?: boolean; stuck?: Map<string, number> } = {}) {
  let nextId = 1;
  let polls = 0;
  const jobs = new Map<number, { task: string; polls: number; stuck: boolean }>();
  let open = 0;
  let maxOpen = 0;
  const deleted: number[] = [];
  const job = (id: number, status: string): StatReportJob =>
    ({
      reportJobId: id,
      reportTp: 'AD',
      statDt: '2026-11-14T15:00:00Z',
      status,
      downloadUrl: status === 'BUILT' ? `http://x/report-download?authtoken=${id}` : '',
      updateTm: '2026-11-14T15:00:00Z',
    }) as StatReportJob;
  const client: WindowDeps['client'] = {
    async createStatReport(type, date) {
      const id = nextId++;
      const task = `${type} ${date}`;
      const stuck = (opts.stuck?.get(task) ?? 0) > 0;
      if (stuck) opts.stuck?.set(task, opts.stuck.get(task)! - 1);
      jobs.set(id, { task, polls: 0, stuck });
      maxOpen = Math.max(maxOpen, ++open);
      return job(id, 'REGIST');
    },
    async getStatReport(id) {
      polls++;
      const j = jobs.get(id);
      if (!j)
        throw new NaverError('job-vanished', 'gone', {
          endpoint: 'GET /stat-reports/{id}',
          httpStatus: 404,
          naverCode: 20011,
        });
      if (opts.vanishOnce?.delete(j.task)) {
        jobs.delete(id);
        open--;
        throw new NaverError('job-vanished', 'gone', {
          endpoint: 'GET /stat-reports/{id}',
          httpStatus: 404,
          naverCode: 20011,
        });
      }
      return job(id, ++j.polls >= 1 && !j.stuck ? 'BUILT' : 'RUNNING');
    },
    async deleteStatReport(id) {
      if (jobs.delete(id)) open--;
      deleted.push(id);
      return 'deleted';
    },
    async download() {
      const body = opts.emptyFile ? '' : '20261115\t1\n';
      return new Blob([body]).stream();
    },
  };
  return { client, stats: () => ({ maxOpen, open, deleted, created: nextId - 1, polls }) };
}

const tasks = (n: number): ReportTask[] =>
  Array.from({ length: n }, (_, i) => ({ reportType: 'AD', statDate: `2026-11-${String(i + 1).padStart(2, '0')}` }));

/** Pauses advance the manual clock instead of waiting, so ten-minute build timeouts take no real time. */
function deps(client: WindowDeps['client'], over: Partial<WindowDeps> = {}) {
  const clock = manualClock(new Date('2026-11-22T03:00:00Z'));
  const stored: Record<string, string> = {};
  const window: WindowDeps = {
    client,
    lease: leaseDeadline(clock, { leaseExpiresAt: '2026-11-23T03:00:00Z', leaseTtlMs: 86_400_000 }, 5_000),
    clock,
    sleep: async (ms) => clock.advance(ms),
    maxOpenJobs: 3,
    pollMs: 5_000,
    buildTimeoutMs: 600_000,
    maxAttempts: 3,
    recordJob: async () => {},
    jobDeleted: async () => {},
    storeFile: async (t, content) => {
      const chunks: Uint8Array[] = [];
      for await (const chunk of content) chunks.push(chunk);
      stored[t.statDate] = Buffer.concat(chunks).toString('utf8');
      return {
        uri: `blob://pg/${t.statDate}`,
        bytes: Buffer.concat(chunks).length,
        sha256: '0'.repeat(64),
        contentType: 'text/tab-separated-values',
      };
    },
    onDay: async () => {},
    ...over,
  };
  return Object.assign(window, { stored, fakeClock: clock });
}

describe('download window', () => {
  it('never has more jobs open than the window and deletes every job it created', async () => {
    const naver = fakeNaver();
    const days = await downloadAll(tasks(10), deps(naver.client));
    expect(days).toHaveLength(10);
    expect(naver.stats()).toMatchObject({ maxOpen: 3, open: 0, created: 10 });
    expect(naver.stats().deleted).toHaveLength(10);
  });

  it('re-creates a job that vanished instead of treating the day as empty', async () => {
    const naver = fakeNaver({ vanishOnce: new Set(['AD 2026-11-02']) });
    const days = await downloadAll(tasks(3), deps(naver.client));
    expect(days.every((d) => d.outcome === 'built' && d.file)).toBe(true);
    expect(naver.stats().created).toBe(4);
  });

  it('hands the downloaded file to the store as a stream', async () => {
    const window = deps(fakeNaver().client);
    await downloadAll(tasks(2), window);
    expect(window.stored).toEqual({ '2026-11-01': '20261115\t1\n', '2026-11-02': '20261115\t1\n' });
  });

  it('fails on an empty BUILT file rather than writing an empty sheet, and stores nothing', async () => {
    const window = deps(fakeNaver({ emptyFile: true }).client);
    await expect(downloadAll(tasks(1), window)).rejects.toThrow(/BUILT but its file is empty/);
    expect(window.stored).toEqual({});
  });
});

describe('bounded build wait', () => {
  const stuckDay = (jobs: number) => new Map([['AD 2026-11-01', jobs]]);

  it('deletes a job stuck past the build timeout and re-creates it; the day builds on the next job', async () => {
    const naver = fakeNaver({ stuck: stuckDay(1) });
    const window = deps(naver.client);
    const days = await downloadAll(tasks(2), window);
    expect(days.map((d) => d.outcome)).toEqual(['built', 'built']);
    expect(naver.stats()).toMatchObject({ created: 3, open: 0 });
    expect(naver.stats().deleted).toHaveLength(3);
  });

  it('fails the day after NAVER_MAX_ATTEMPTS stuck jobs, deleting each, within attempts × build timeout', async () => {
    const naver = fakeNaver({ stuck: stuckDay(99) });
    const window = deps(naver.client);
    const started = window.fakeClock.monotonicMs();
    const failure = await downloadAll(tasks(1), window).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(NaverReportStuckError);
    expect(describeFailure(failure, '338047')).toEqual({
      code: 'naver-report-stuck',
      message:
        'NAVER did not finish building the AD report for 2026-11-01 within 10 minutes, 3 times (last status RUNNING); ' +
        'NAVER may be overloaded — retry later',
      retryable: true,
    });
    expect(naver.stats()).toMatchObject({ created: 3, open: 0 });
    expect(naver.stats().deleted).toEqual([1, 2, 3]);
    expect(window.fakeClock.monotonicMs() - started).toBe(3 * 600_000);
    // Each job: a poll after 0.25, 0.5, 1, 2, 4 s, then every 5 s up to the deadline (the last one at it).
    expect(naver.stats().polls).toBe(3 * (5 + Math.ceil((600_000 - 7_750) / 5_000)));
  });

  it('stops starting work on other days once one day gave up', async () => {
    const naver = fakeNaver({ stuck: stuckDay(99) });
    await expect(downloadAll(tasks(10), deps(naver.client, { maxOpenJobs: 1 }))).rejects.toThrow(NaverReportStuckError);
    expect(naver.stats().created).toBe(3);
  });
});

describe('lease deadline', () => {
  it('refuses new calls once within the safety margin of the deadline', () => {
    const clock = manualClock(new Date('2026-11-22T03:00:00Z'));
    const lease = leaseDeadline(clock, { leaseExpiresAt: '2026-11-22T03:01:00Z', leaseTtlMs: 60_000 }, 5_000);
    clock.advance(54_000);
    expect(() => lease.check()).not.toThrow();
    clock.advance(1_000);
    expect(() => lease.check()).toThrow(/too close to its deadline/);
    lease.dispose();
  });

  it('trusts the shorter of the TTL and the stated expiry', () => {
    const clock = manualClock(new Date('2026-11-22T03:00:00Z'));
    const lease = leaseDeadline(clock, { leaseExpiresAt: '2026-11-22T03:10:00Z', leaseTtlMs: 60_000 }, 0);
    expect(lease.stopStartingAt).toBe(60_000);
    lease.dispose();
  });
});
