import { leaseDeadline } from '@reportline/lease-holder';
import { NaverError, type StatReportJob } from '@reportline/naver-client';
import { manualClock } from '@reportline/platform';
import { describe, expect, it } from 'vitest';
import type { ReportTask } from '../src/domain/plan.ts';
import { downloadAll, type WindowDeps } from '../src/download-window.ts';

/** A NAVER stand-in that builds each job after one poll, and can make chosen jobs vanish once. */
function fakeNaver(opts: { vanishOnce?: Set<string>; emptyFile?: boolean } = {}) {
  let nextId = 1;
  const jobs = new Map<number, { task: string; polls: number }>();
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
      jobs.set(id, { task: `${type} ${date}`, polls: 0 });
      maxOpen = Math.max(maxOpen, ++open);
      return job(id, 'REGIST');
    },
    async getStatReport(id) {
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
      return job(id, ++j.polls >= 1 ? 'BUILT' : 'RUNNING');
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
  return { client, stats: () => ({ maxOpen, open, deleted, created: nextId - 1 }) };
}

const tasks = (n: number): ReportTask[] =>
  Array.from({ length: n }, (_, i) => ({ reportType: 'AD', statDate: `2026-11-${String(i + 1).padStart(2, '0')}` }));

function deps(client: WindowDeps['client'], over: Partial<WindowDeps> = {}): WindowDeps {
  const clock = manualClock(new Date('2026-11-22T03:00:00Z'));
  return {
    client,
    lease: leaseDeadline(clock, { leaseExpiresAt: '2026-11-22T03:10:00Z', leaseTtlMs: 600_000 }, 5_000),
    maxOpenJobs: 3,
    pollMs: 1,
    maxAttempts: 3,
    recordJob: async () => {},
    jobDeleted: async () => {},
    storeFile: async (t, content) => ({
      uri: `blob://pg/${t.statDate}`,
      bytes: content.length,
      sha256: '0'.repeat(64),
      contentType: 'text/tab-separated-values',
    }),
    onDay: async () => {},
    ...over,
  };
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

  it('fails on an empty BUILT file rather than writing an empty sheet', async () => {
    await expect(downloadAll(tasks(1), deps(fakeNaver({ emptyFile: true }).client))).rejects.toThrow(
      /BUILT but its file is empty/,
    );
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
