const KST_OFFSET_MS = 9 * 3_600_000;
const DAY_MS = 86_400_000;

/** KST calendar day `YYYY-MM-DD` of an instant. */
export function kstDateOf(ms: number): string {
  return new Date(ms + KST_OFFSET_MS).toISOString().slice(0, 10);
}

export function kstHourOf(ms: number): number {
  return new Date(ms + KST_OFFSET_MS).getUTCHours();
}

export function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

/** NAVER's instants: second precision, `Z` suffix (`2022-08-31T15:00:00Z`). */
export function isoSeconds(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** The UTC instant of KST midnight of `date` — how NAVER echoes statDt. */
export function kstMidnightIso(date: string): string {
  return isoSeconds(Date.parse(`${date}T00:00:00Z`) - KST_OFFSET_MS);
}

export function kstMidnightMs(date: string): number {
  return Date.parse(`${date}T00:00:00Z`) - KST_OFFSET_MS;
}

/** `YYYYMMDD` → `YYYY-MM-DD`, or null when it is not exactly 8 digits of a real date. */
export function parseStatDt(statDt: unknown): string | null {
  if (typeof statDt !== 'string' || !/^\d{8}$/.test(statDt)) return null;
  const date = `${statDt.slice(0, 4)}-${statDt.slice(4, 6)}-${statDt.slice(6, 8)}`;
  const ms = Date.parse(`${date}T00:00:00Z`);
  return Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== date ? null : date;
}

export function compactDate(date: string): string {
  return date.replaceAll('-', '');
}
