import { describe, expect, it } from 'vitest';
import { planReports } from '../src/domain/plan.ts';

const lookBack = { AD: 365, AD_DETAIL: 30, AD_CONVERSION: 365, AD_CONVERSION_DETAIL: 45 };
const now = new Date('2026-11-22T03:00:00Z'); // 12:00 KST

describe('report plan', () => {
  it('creates one job per type and day', () => {
    const { tasks, clamped } = planReports(
      { reportTypes: ['AD', 'AD_CONVERSION'], dateRange: { from: '2026-11-19', to: '2026-11-21' } },
      lookBack,
      now,
    );
    expect(tasks).toHaveLength(6);
    expect(clamped).toEqual([]);
  });

  it("clamps days outside a type's look-back and says so instead of failing", () => {
    const { tasks, clamped } = planReports(
      { reportTypes: ['AD_DETAIL'], dateRange: { from: '2026-10-01', to: '2026-11-21' } },
      lookBack,
      now,
    );
    expect(tasks[0]?.statDate).toBe('2026-10-23');
    expect(tasks.at(-1)?.statDate).toBe('2026-11-21');
    expect(clamped).toEqual([
      {
        reportType: 'AD_DETAIL',
        dateRange: { from: '2026-10-01', to: '2026-10-22' },
        reason: 'NAVER keeps AD_DETAIL for 30 days',
      },
    ]);
  });

  it('never asks for today (KST)', () => {
    const { tasks, clamped } = planReports(
      { reportTypes: ['AD'], dateRange: { from: '2026-11-21', to: '2026-11-22' } },
      lookBack,
      now,
    );
    expect(tasks.map((t) => t.statDate)).toEqual(['2026-11-21']);
    expect(clamped[0]?.reason).toContain('today');
  });
});
