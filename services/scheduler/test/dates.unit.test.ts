import { describe, expect, it } from 'vitest';
import { importRange } from '../src/domain/dates.ts';

// 2026-11-22 01:00 KST is still 2026-11-21 in UTC: the KST date decides what "yesterday" is.
const now = new Date('2026-11-21T16:00:00Z');

describe('import date range', () => {
  it('defaults to the connection history ending yesterday in KST', () => {
    expect(importRange(now, 7)).toEqual({ ok: true, range: { from: '2026-11-15', to: '2026-11-21' } });
  });

  it('refuses today, reversed ranges and more than 400 days, saying why', () => {
    expect(importRange(now, 7, { from: '2026-11-20', to: '2026-11-22' })).toMatchObject({
      ok: false,
      reason: expect.stringContaining('after yesterday'),
    });
    expect(importRange(now, 7, { from: '2026-11-20', to: '2026-11-19' })).toMatchObject({
      ok: false,
      reason: expect.stringContaining('is after'),
    });
    expect(importRange(now, 7, { from: '2025-01-01', to: '2026-11-21' })).toMatchObject({
      ok: false,
      reason: expect.stringContaining('at most 400'),
    });
  });
});
