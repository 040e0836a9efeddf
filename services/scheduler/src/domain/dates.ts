const DAY = 86_400_000;
const KST_OFFSET = 9 * 3_600_000;

/** The calendar date in Korea at `now`: NAVER's reports are per KST day. */
export function kstDate(now: Date): string {
  return new Date(now.getTime() + KST_OFFSET).toISOString().slice(0, 10);
}

export function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY).toISOString().slice(0, 10);
}

export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY) + 1;
}

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
  const yesterday = addDays(kstDate(now), -1);
  const range = requested ?? { from: addDays(yesterday, -(historyDays - 1)), to: yesterday };
  if (range.from > range.to)
    return { ok: false, reason: `dateRange.from ${range.from} is after dateRange.to ${range.to}` };
  if (range.to > yesterday) {
    return {
      ok: false,
      reason: `dateRange.to ${range.to} is after yesterday in KST (${yesterday}); NAVER has no report for today yet`,
    };
  }
  const days = daysBetween(range.from, range.to);
  if (days > MAX_RANGE_DAYS)
    return { ok: false, reason: `dateRange spans ${days} days; at most ${MAX_RANGE_DAYS} per import` };
  return { ok: true, range };
}
