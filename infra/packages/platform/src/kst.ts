// NAVER's reports, statDt and "today" are all per Korean calendar day; these are the system's only KST helpers.
// (The NAVER simulator keeps its own: it shares no code with the system it tests.)

/** Korea has kept UTC+9 all year since 1988 (no daylight saving), so a fixed offset is exact for every date we handle. */
export const KST_OFFSET_MS = 9 * 3_600_000;
const DAY_MS = 86_400_000;

const utcMidnight = (date: string) => Date.parse(`${date}T00:00:00Z`);

/** The KST calendar day `YYYY-MM-DD` of an instant: from 15:00 UTC on, it is already the next day in Korea. */
export function kstDate(at: Date | number): string {
  return new Date(Number(at) + KST_OFFSET_MS).toISOString().slice(0, 10);
}

/** Yesterday in KST: the latest day NAVER can have a report for (today's is never ready, 10004). */
export function kstYesterday(at: Date | number): string {
  return addDays(kstDate(at), -1);
}

/** Calendar arithmetic on `YYYY-MM-DD`; no time zone is involved, so it holds for KST days as for any. */
export function addDays(date: string, days: number): string {
  return new Date(utcMidnight(date) + days * DAY_MS).toISOString().slice(0, 10);
}

/** How many days `from`..`to` spans, both included (1 for a single day). */
export function daysInRange(from: string, to: string): number {
  return Math.round((utcMidnight(to) - utcMidnight(from)) / DAY_MS) + 1;
}
