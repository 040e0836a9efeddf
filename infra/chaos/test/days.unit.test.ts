import { describe, expect, it } from 'vitest';
import { CALENDAR, checkDailyRuns, dayOfImport, dayPlan, firstDay, kstInstantMs } from '../src/days.ts';

describe('the calendar of a run over simulated days', () => {
  it('Given the real time, When the first day is chosen, Then its start is still ahead (the clock never starts behind)', () => {
    // 2026-12-01T18:24Z is 03:24 on 12-02 in Korea: 05:00 KST that day is ahead.
    expect(firstDay(Date.parse('2026-12-01T18:24:00Z'))).toBe('2026-12-02');
    // 2026-12-02T01:00Z is 10:00 KST: that day's 05:00 has passed, so the next day.
    expect(firstDay(Date.parse('2026-12-02T01:00:00Z'))).toBe('2026-12-03');
    // 05:00 KST is 20:00 UTC the day before.
    expect(kstInstantMs('2026-12-03', CALENDAR.start)).toBe(Date.parse('2026-12-02T20:00:00Z'));
  });

  it("Given the morning time, Then it is after the schedule time and NAVER's data-ready hour, and set-up is before both", () => {
    expect(CALENDAR.morning > CALENDAR.schedule).toBe(true);
    expect(Number(CALENDAR.morning.slice(0, 2))).toBeGreaterThanOrEqual(CALENDAR.dataReadyHour);
    expect(CALENDAR.setUp < CALENDAR.schedule && CALENDAR.start < CALENDAR.setUp).toBe(true);
  });

  it('Given 30 imports over 3 days, When planned, Then each day has 10, in order, on consecutive KST days', () => {
    expect(dayPlan({ first: '2026-12-30', days: 3, imports: 30 })).toEqual([
      { index: 0, day: '2026-12-30', fromImport: 0, toImport: 10 },
      { index: 1, day: '2026-12-31', fromImport: 10, toImport: 20 },
      { index: 2, day: '2027-01-01', fromImport: 20, toImport: 30 },
    ]);
  });

  it('Given 12 imports over 5 days, When planned, Then the remainder goes to the earlier days and none is lost', () => {
    const plan = dayPlan({ first: '2026-12-02', days: 5, imports: 12 });
    expect(plan.map((d) => d.toImport - d.fromImport)).toEqual([3, 3, 2, 2, 2]);
    expect(plan.at(-1)!.toImport).toBe(12);
  });

  it('Given faults at import counts, When assigned to days, Then each falls on the day of its request', () => {
    const plan = dayPlan({ first: '2026-12-02', days: 3, imports: 30 });
    expect([0, 9, 10, 19, 20, 29].map((k) => dayOfImport(plan, k))).toEqual([0, 0, 1, 1, 2, 2]);
    // No imports at all: every fault is the last day's.
    expect(dayOfImport(dayPlan({ first: '2026-12-02', days: 2, imports: 0 }), 0)).toBe(1);
  });
});

describe('one daily run per connection and simulated day', () => {
  const days = ['2026-12-02', '2026-12-03'];
  const connections = [
    { id: 'a', historyDays: 7 },
    { id: 'b', historyDays: 7 },
  ];
  // The run of day D asks for D−7 … D−1.
  const run = (importId: string, connectionId: string, from: string, to: string) => ({
    importId,
    connectionId,
    dateRange: { from, to },
  });

  it('Given one run per connection and day, Then no violation and the runs counted per day', () => {
    const r = checkDailyRuns({
      days,
      connections,
      requests: [
        run('1', 'a', '2026-11-25', '2026-12-01'),
        run('2', 'b', '2026-11-25', '2026-12-01'),
        run('3', 'a', '2026-11-26', '2026-12-02'),
        run('4', 'b', '2026-11-26', '2026-12-02'),
      ],
    });
    expect(r).toEqual({ byDay: { '2026-12-02': 2, '2026-12-03': 2 }, retries: 0, violations: [] });
  });

  it('Given a re-request of pending dates, Then it is a retry, not a second run', () => {
    const r = checkDailyRuns({
      days: ['2026-12-02'],
      connections: [connections[0]!],
      requests: [run('1', 'a', '2026-11-25', '2026-12-01'), run('2', 'a', '2026-12-01', '2026-12-01')],
    });
    expect(r).toEqual({ byDay: { '2026-12-02': 1 }, retries: 1, violations: [] });
  });

  it("Given the whole window asked again after the day's import failed, Then it is a retry of that run", () => {
    const r = checkDailyRuns({
      days: ['2026-12-02'],
      connections: [connections[0]!],
      requests: [
        { ...run('1', 'a', '2026-11-25', '2026-12-01'), failed: true },
        { ...run('2', 'a', '2026-11-25', '2026-12-01'), failed: true },
        run('3', 'a', '2026-11-25', '2026-12-01'),
      ],
    });
    expect(r).toEqual({ byDay: { '2026-12-02': 1 }, retries: 2, violations: [] });
  });

  it('Given a missed and a doubled run, Then both are violations naming the connection and day', () => {
    const r = checkDailyRuns({
      days,
      connections,
      requests: [
        run('1', 'a', '2026-11-25', '2026-12-01'),
        run('2', 'b', '2026-11-25', '2026-12-01'),
        run('3', 'a', '2026-11-26', '2026-12-02'),
        run('5', 'a', '2026-11-26', '2026-12-02'),
      ],
    });
    expect(r.byDay).toEqual({ '2026-12-02': 2, '2026-12-03': 2 });
    expect(r.violations).toEqual([
      'doubled daily run: connection a on 2026-12-03: 3, 5',
      'missed daily run: connection b on 2026-12-03',
    ]);
  });

  it('Given a run for a day the clock never reached, Then it is a violation too', () => {
    const r = checkDailyRuns({
      days: ['2026-12-02'],
      connections: [connections[0]!],
      requests: [run('1', 'a', '2026-11-25', '2026-12-01'), run('2', 'a', '2026-11-24', '2026-11-30')],
    });
    expect(r.violations).toEqual(['daily run of a for 2026-12-01, not a simulated day (import 2)']);
  });
});
