import { describe, expect, it } from 'vitest';
import { duration, renderLockTimeline } from '../src/timeline.ts';
import type { LockView } from '../src/views.ts';

const A = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa';
const B = 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb';
const C = 'cccccccc-cccc-4ccc-8ccc-cccccccccccc';
const now = new Date('2026-12-01T10:10:00Z');

const free: LockView = { customerId: '1234', holder: null, queue: [], lockDelayUntil: null, history: [] };

describe('the lock timeline', () => {
  it('given a lock never held, when rendered, then it says free, no holds and an empty queue', () => {
    expect(renderLockTimeline(free, now)).toBe(
      ['NAVER lock of customer 1234: free', '', 'no lease holds yet', '', 'queue: empty'].join('\n'),
    );
  });

  it('given holds newest first, when rendered, then one row per hold oldest first with its times and end', () => {
    const view: LockView = {
      ...free,
      holder: { importId: B, grantedAt: '2026-12-01T10:05:00Z', expiresAt: '2026-12-01T10:11:00Z' },
      history: [
        { importId: B, grantedAt: '2026-12-01T10:05:00Z', expiresAt: null, renewals: 2, endedAt: null, endedBy: null },
        {
          importId: A,
          grantedAt: '2026-12-01T10:00:00Z',
          expiresAt: null,
          renewals: 0,
          endedAt: '2026-12-01T10:01:30Z',
          endedBy: 'released',
        },
      ],
    };
    const lines = renderLockTimeline(view, now).split('\n');
    expect(lines[0]).toBe(
      `NAVER lock of customer 1234: held by import ${B} since 2026-12-01 10:05:00Z, expires 2026-12-01 10:11:00Z unless renewed`,
    );
    expect(lines.slice(2, 5)).toEqual([
      `#  IMPORT                                START                 END                   DURATION  ENDED`,
      `1  ${A}  2026-12-01 10:00:00Z  2026-12-01 10:01:30Z  1m30s     released`,
      `2  ${B}  2026-12-01 10:05:00Z  -                     5m00s+    holding (2 renewals)`,
    ]);
  });

  it('given a hold granted while an earlier one had not ended, when rendered, then the later one is marked', () => {
    const view: LockView = {
      ...free,
      history: [
        {
          importId: A,
          grantedAt: '2026-12-01T10:00:00Z',
          expiresAt: null,
          endedAt: '2026-12-01T10:03:00Z',
          endedBy: 'expired',
        },
        {
          importId: B,
          grantedAt: '2026-12-01T10:02:00Z',
          expiresAt: null,
          endedAt: '2026-12-01T10:04:00Z',
          endedBy: 'released',
        },
      ],
    };
    const rows = renderLockTimeline(view, now)
      .split('\n')
      .filter((l) => /^\d /.test(l));
    expect(rows[0]).toMatch(/expired$/);
    expect(rows[1]).toMatch(/released {2}OVERLAPS AN EARLIER HOLD$/);
  });

  it('given waiters and a lock delay ahead, when rendered, then the queue is listed in grant order with waits', () => {
    const view: LockView = {
      ...free,
      lockDelayUntil: '2026-12-01T10:10:30Z',
      queue: [
        { importId: C, priority: 'scheduled', requestedAt: '2026-12-01T10:09:00Z', position: 2 },
        { importId: A, priority: 'on-demand', requestedAt: '2026-12-01T10:09:50Z', position: 1 },
      ],
    };
    const text = renderLockTimeline(view, now);
    expect(text).toContain('lock delay: nobody is granted before 2026-12-01 10:10:30Z');
    expect(text.split('\n').slice(-4)).toEqual([
      'queue: 2 waiting, in grant order',
      'POS  IMPORT                                PRIORITY   SINCE                 WAITED',
      `1    ${A}  on-demand  2026-12-01 10:09:50Z  10s`,
      `2    ${C}  scheduled  2026-12-01 10:09:00Z  1m00s`,
    ]);
  });

  it('given durations from milliseconds to hours, when shortened, then each keeps its two largest units', () => {
    expect([850, 42_000, 185_000, 3_725_000].map(duration)).toEqual(['850ms', '42s', '3m05s', '1h02m']);
  });
});
