import { describe, expect, it } from 'vitest';
import { addDays, daysInRange, KST_OFFSET_MS, kstDate, kstYesterday } from '../src/kst.ts';

describe('KST calendar days', () => {
  it('turns the day at 15:00 UTC, midnight in Korea', () => {
    expect(kstDate(new Date('2026-11-21T14:59:59.999Z'))).toBe('2026-11-21');
    expect(kstDate(new Date('2026-11-21T15:00:00.000Z'))).toBe('2026-11-22');
    expect(kstDate(Date.parse('2026-11-21T23:59:59Z'))).toBe('2026-11-22');
    // 00:00–08:59 UTC is the same calendar day in both zones.
    expect(kstDate(new Date('2026-11-22T00:00:00Z'))).toBe('2026-11-22');
  });

  it('reads NAVER’s echoed statDt (KST midnight as a UTC instant) as its KST day', () => {
    expect(kstDate(Date.parse('2022-08-31T15:00:00Z'))).toBe('2022-09-01');
  });

  it('crosses month, year and leap-day boundaries', () => {
    expect(kstDate(new Date('2025-12-31T15:00:00Z'))).toBe('2026-01-01');
    expect(kstDate(new Date('2028-02-28T15:00:00Z'))).toBe('2028-02-29');
  });

  it('says yesterday in KST, which is not yesterday in UTC between 15:00 and 24:00 UTC', () => {
    // 2026-11-22 01:00 KST: UTC still says 2026-11-21, whose yesterday would be the 20th.
    expect(kstYesterday(new Date('2026-11-21T16:00:00Z'))).toBe('2026-11-21');
    expect(kstYesterday(new Date('2026-11-21T14:59:59Z'))).toBe('2026-11-20');
    expect(kstYesterday(new Date('2026-01-01T00:00:00Z'))).toBe('2025-12-31');
  });

  it('adds and counts calendar days', () => {
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
    expect(addDays('2028-02-28', 1)).toBe('2028-02-29');
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('2026-11-22', -365)).toBe('2025-11-22');
    expect(daysInRange('2026-11-22', '2026-11-22')).toBe(1);
    expect(daysInRange('2025-11-23', '2026-11-22')).toBe(365);
  });

  it('uses the one fixed offset Korea keeps all year', () => expect(KST_OFFSET_MS).toBe(32_400_000));
});
