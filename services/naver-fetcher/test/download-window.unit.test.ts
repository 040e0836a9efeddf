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
type Scripted = 'NONE' | 'AGGREGATING' | 'CHANGED' | '20007' | '10004' | 'lost-answer';

function fakeNaver(
  opts: {
    vanishOnce?: Set<string>;
    emptyFile?: boolean;
    stuck?: Map<string, number>;
    /** Per task, what its successive creates do; BUILT once the list is used up. */
    script?: Map<string, Scripted[]>;
  } = {},
) {
  let nextId = 1;
  let polls = 0;
  let creates = 0;
  let lists = 0;
  const jobs = new Map<number, { task: string; polls: number; stuck: boolean; ends: string; date: string }>();
  let open = 0;
  let maxOpen = 0;
  const deleted: number[] = [];
  const naverError = (kind: NaverError['kind'], code: number, status: number) =>
    new NaverError(kind, `NAVER answered ${code}`, {
      endpoint: 'POST /stat-reports',
      httpStatus: status,
      naverCode: code,
    });
  // statDt echoes KST midnight in UTC: the report for 2026-11-01 says 2026-10-31T15:00:00Z.
  const statDt = (date: string) => new Date(Date.parse(`${date}T00:00:00Z`) - 9 * 3_600_000).toISOString();
  const job = (id: number, status: string, date = '2026-11-15'): StatReportJob =>
    ({
      reportJobId: id,
      reportTp: 'AD',
      statDt: statDt(date),
      status,
      downloadUrl: status === 'BUILT' ? `http://x/report-download?authtoken=${id}` : '',
      updateTm: '2026-11-14T15:00:00Z',
    }) as StatReportJob;
  const client: WindowDeps['client'] = {
    async createStatReport(type, date) {
      creates++;
      const task = `${type} ${date}`;
      const scripted = opts.script?.get(task)?.shift();
      if (scripted === '20007') throw naverError('not-ready', 20007, 400);
      if (scripted === '10004') throw naverError('out-of-look-back', 10004, 400);
      const id = nextId++;
      const stuck = (opts.stuck?.get(task) ?? 0) > 0;
      if (stuck) opts.stuck?.set(task, opts.stuck.get(task)! - 1);
      const ends = scripted && scripted !== 'lost-answer' ? scripted : 'BUILT';
      jobs.set(id, { task, polls: 0, stuck, ends, date });
      maxOpen = Math.max(maxOpen, ++open);
      // NAVER made the job, but the answer never arrived.
      if (scripted === 'lost-answer') throw naverError('transient', 500, 500);
      return job(id, 'REGIST', date);
    },
    async listStatReports() {
      lists++;
      return [...jobs.entries()].map(([id, j]) => ({ ...job(id, 'REGIST', j.date), regTm: '2026-11-22T03:00:00Z' }));
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
      return job(id, ++j.polls >= 1 && !j.stuck ? j.ends : 'RUNNING', j.date);
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
  return { client, stats: () => ({ maxOpen, open, deleted, created: nextId - 1, creates, lists, polls }) };
}

const tasks = (n: number, hadRows = false): ReportTask[] =>
  Array.from({ length: n }, (_, i) => ({
    reportType: 'AD',
    statDate: `2026-11-${String(i + 1).padStart(2, '0')}`,
    hadRows,
  }));

/** Pauses advance the manual clock instead of waiting, so ten-minute build timeouts take no real time. */
function deps(client: WindowDeps['client'], over: Partial<WindowDeps> = {}) {
  const clock = manualClock(new Date('2026-11-22T03:00:00Z'));
  const stored: Record<string, string> = {};
  const ours = new Set<number>();
  const window: WindowDeps = {
    client,
    lease: leaseDeadline(clock, { leaseExpiresAt: '2026-11-23T03:00:00Z', leaseTtlMs: 86_400_000 }, 5_000),
    clock,
    sleep: async (ms) => clock.advance(ms),
    maxOpenJobs: 3,
    pollMs: 5_000,
    buildTimeoutMs: 600_000,
    maxAttempts: 3,
    createTries: 3,
    // A fixed first poll after 0.25 s, as when nothing has been learnt: the poll counts below depend on it.
    buildTime: { expectedMs: () => 250, observe: () => {} },
    isEarlyNone: () => false,
    isOurJob: (id) => ours.has(id),
    recordJob: async (id) => {
      ours.add(id);
    },
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
  return Object.assign(window, { stored, fakeClock: clock, ours });
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
    expect(days.every((d) => d.result.kind === 'built' && d.result.file)).toBe(true);
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

describe('answers that are not a report yet', () => {
  const oneDay = (script: Scripted[], over: Partial<WindowDeps> = {}, hadRows = false) => {
    const naver = fakeNaver({ script: new Map([['AD 2026-11-01', script]]) });
    return { naver, run: () => downloadAll(tasks(1, hadRows), deps(naver.client, over)) };
  };

  it('20007 makes the date pending, with no job left behind', async () => {
    const { naver, run } = oneDay(['20007']);
    const [day] = await run();
    expect(day?.result).toMatchObject({ kind: 'pending', code: 'not-ready' });
    expect(naver.stats()).toMatchObject({ created: 0, open: 0 });
  });

  it('AGGREGATING makes the date pending and its job is deleted', async () => {
    const { naver, run } = oneDay(['AGGREGATING']);
    const [day] = await run();
    expect(day?.result).toMatchObject({ kind: 'pending', code: 'aggregating' });
    expect(naver.stats()).toMatchObject({ created: 1, open: 0 });
  });

  it('a NONE before the data-ready hour is pending, not "no data"', async () => {
    const { run } = oneDay(['NONE'], { isEarlyNone: () => true });
    const [day] = await run();
    expect(day?.result).toMatchObject({ kind: 'pending', code: 'early-none' });
  });

  it('a NONE for a date without rows before is accepted at once', async () => {
    const { naver, run } = oneDay(['NONE']);
    const [day] = await run();
    expect(day?.result.kind).toBe('none');
    expect(naver.stats().created).toBe(1);
  });

  it('a NONE for a date that had rows is checked with a second job; a BUILT answer then wins', async () => {
    const { naver, run } = oneDay(['NONE'], {}, true);
    const [day] = await run();
    expect(day?.result.kind).toBe('built');
    expect(naver.stats()).toMatchObject({ created: 2, open: 0 });
  });

  it('a NONE for a date that had rows is believed when the second job says NONE too', async () => {
    const { naver, run } = oneDay(['NONE', 'NONE'], { maxAttempts: 1 }, true);
    const [day] = await run();
    expect(day?.result.kind).toBe('none');
    expect(naver.stats().created).toBe(2);
  });

  it('CHANGED on every try leaves the date pending as restated; once, and the next job reads the new report', async () => {
    const always = oneDay(['CHANGED', 'CHANGED', 'CHANGED']);
    expect((await always.run())[0]?.result).toMatchObject({ kind: 'pending', code: 'restated' });
    const once = oneDay(['CHANGED']);
    expect((await once.run())[0]?.result.kind).toBe('built');
    expect(once.naver.stats()).toMatchObject({ created: 2, open: 0 });
  });

  it("10004 for a date within the configured look-back clamps it with NAVER's reason", async () => {
    const { run } = oneDay(['10004']);
    const [day] = await run();
    expect(day?.result).toMatchObject({ kind: 'clamped', reason: expect.stringContaining('10004') });
  });
});

describe('ambiguous creates', () => {
  it('adopts the job a create made whose answer was lost, instead of creating a second one, and deletes it', async () => {
    const naver = fakeNaver({ script: new Map([['AD 2026-11-01', ['lost-answer'] as Scripted[]]]) });
    const window = deps(naver.client);
    const [day] = await downloadAll(tasks(1), window);
    expect(day?.result.kind).toBe('built');
    expect(naver.stats()).toMatchObject({ creates: 1, lists: 1, created: 1, open: 0 });
    expect(window.ours.has(1)).toBe(true);
    expect(naver.stats().deleted).toEqual([1]);
  });

  it('never adopts a job that is already ours', async () => {
    const naver = fakeNaver({ script: new Map([['AD 2026-11-01', ['lost-answer'] as Scripted[]]]) });
    const window = deps(naver.client);
    window.ours.add(1);
    const [day] = await downloadAll(tasks(1), window);
    // Not adopted: the create is tried again, which makes job 2.
    expect(day?.result.kind).toBe('built');
    expect(naver.stats()).toMatchObject({ creates: 2, lists: 1 });
  });
});

describe('file rows', () => {
  it('counts the data lines of the stored file', async () => {
    const [day] = await downloadAll(tasks(1), deps(fakeNaver().client));
    expect(day?.result).toMatchObject({ kind: 'built', rows: 1 });
  });
});

describe('bounded build wait', () => {
  const stuckDay = (jobs: number) => new Map([['AD 2026-11-01', jobs]]);

  it('deletes a job stuck past the build timeout and re-creates it; the day builds on the next job', async () => {
    const naver = fakeNaver({ stuck: stuckDay(1) });
    const window = deps(naver.client);
    const days = await downloadAll(tasks(2), window);
    expect(days.map((d) => d.result.kind)).toEqual(['built', 'built']);
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
