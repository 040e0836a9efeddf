import { NaverError } from '@reportline/naver-client';
import { describe, expect, it } from 'vitest';
import { dayGivenUp, humanDuration, NaverReportStuckError, nextPoll, startBuildWait } from '../src/domain/job-wait.ts';

const limits = { buildTimeoutMs: 10_000, pollMs: 2_000 };
const task = { reportType: 'AD', statDate: '2026-11-30', hadRows: false } as const;

/** Runs the schedule with a clock that moves `drift` ms more than each pause (slow polls), returning the pauses. */
function schedule(drift: number, clockMoves = true, expectedBuildMs?: number) {
  let now = 1_000;
  let wait = startBuildWait(now, limits, expectedBuildMs);
  const pauses: number[] = [];
  for (let i = 0; i < 1_000; i++) {
    const step = nextPoll(wait, now, limits);
    if (step.kind === 'stuck') return { pauses, waitedMs: step.waitedMs };
    pauses.push(step.ms);
    if (clockMoves) now += step.ms + drift;
    wait = step.wait;
  }
  throw new Error('the poll schedule did not end');
}

describe('build wait', () => {
  it('backs off from 250 ms to pollMs and polls a last time exactly at the deadline', () => {
    const { pauses, waitedMs } = schedule(0);
    expect(pauses).toEqual([250, 500, 1_000, 2_000, 2_000, 2_000, 2_000, 250]);
    expect(pauses.reduce((a, b) => a + b)).toBe(limits.buildTimeoutMs);
    expect(waitedMs).toBe(limits.buildTimeoutMs);
  });

  it('counts the time polls take: slow answers use up the build time sooner', () => {
    const { pauses, waitedMs } = schedule(1_000);
    expect(pauses).toEqual([250, 500, 1_000, 2_000, 2_000]);
    expect(waitedMs).toBe(10_750); // the last poll's answer came after the deadline
  });

  it('polls first at the expected build time, then shortly after, then backs off again', () => {
    const { pauses } = schedule(0, true, 1_600);
    expect(pauses.slice(0, 4)).toEqual([1_600, 400, 800, 1_600]);
    expect(pauses.reduce((a, b) => a + b)).toBe(limits.buildTimeoutMs);
  });

  it('ends even when the clock it is given stands still: the pauses taken bound it', () => {
    expect(schedule(0, false).pauses.reduce((a, b) => a + b)).toBe(limits.buildTimeoutMs);
  });

  it('gives up at once when the job was created longer ago than the build timeout', () => {
    expect(nextPoll(startBuildWait(0, limits), 10_000, limits)).toEqual({ kind: 'stuck', waitedMs: 10_000 });
  });
});

describe('giving a day up', () => {
  const vanished = new NaverError('job-vanished', 'gone', { endpoint: 'GET /stat-reports/{id}', naverCode: 20011 });

  it('says what NAVER did not do, how long it was given, how often, and what to do', () => {
    const stuck = { kind: 'stuck', status: 'RUNNING' } as const;
    const error = dayGivenUp(task, [stuck, stuck, stuck], 600_000);
    expect(error).toBeInstanceOf(NaverReportStuckError);
    expect((error as Error).message).toBe(
      'NAVER did not finish building the AD report for 2026-11-30 within 10 minutes, 3 times (last status RUNNING); ' +
        'NAVER may be overloaded — retry later',
    );
  });

  it('a stuck build wins over other retryable causes, and says in how many of the tries', () => {
    const ends = [
      { kind: 'stuck', status: 'REGIST' },
      { kind: 'retryable', error: vanished },
    ] as const;
    expect((dayGivenUp(task, ends, 1_000) as Error).message).toContain(
      'within 1 second, in 1 of 2 tries (last status REGIST)',
    );
  });

  it('without a stuck try, the last error stands (e.g. jobs kept vanishing)', () => {
    expect(dayGivenUp(task, [{ kind: 'retryable', error: vanished }], 1_000)).toBe(vanished);
  });
});

describe('humanDuration', () => {
  it('uses the unit a person configured', () => {
    expect([600_000, 60_000, 90_000, 1_000, 1_500].map(humanDuration)).toEqual([
      '10 minutes',
      '1 minute',
      '90 seconds',
      '1 second',
      '1500 ms',
    ]);
  });
});
