import { addDays, daysInRange, kstYesterday } from '@reportline/platform';

export const MAX_RANGE_DAYS = 400;

/**
 * The dates an import covers: the caller's range, or the connection's history ending yesterday (KST), since NAVER
 * never has today's report. Returns a reason when the range cannot be imported.
 */
export function importRange(
  now: Date,
  historyDays: number,
  requested?: { from: string; to: string },
): { ok: true; range: { from: string; to: string } } | { ok: false; reason: string } {
  const yesterday = kstYesterday(now);
  const range = requested ?? { from: addDays(yesterday, -(historyDays - 1)), to: yesterday };
  if (range.from > range.to)
    return { ok: false, reason: `dateRange.from ${range.from} is after dateRange.to ${range.to}` };
  if (range.to > yesterday) {
    return {
      ok: false,
      reason: `dateRange.to ${range.to} is after yesterday in KST (${yesterday}); NAVER has no report for today yet`,
    };
  }
  const days = daysInRange(range.from, range.to);
  if (days > MAX_RANGE_DAYS)
    return { ok: false, reason: `dateRange spans ${days} days; at most ${MAX_RANGE_DAYS} per import` };
  return { ok: true, range };
}
