import { LayoutV1, type ReportType } from '@reportline/contracts';

/**
 * How far back NAVER serves each report type (../shared/reference/naver-searchad-api.md): a connection cannot keep
 * more history than its report types can be fetched for.
 */
export const LOOKBACK_DAYS: Record<ReportType, number> = {
  AD: 365,
  AD_CONVERSION: 365,
  AD_DETAIL: 180,
  AD_CONVERSION_DETAIL: 45,
};

/** Tabs the sheets-writer keeps for itself (its metadata, probes and staging). */
const RESERVED_PREFIXES = ['_reportline', '_stage_'];

/** Dimensions only the detail reports carry. */
const DETAIL_ONLY = new Set(['hour', 'region']);
const DETAIL_TYPES = new Set<ReportType>(['AD_DETAIL', 'AD_CONVERSION_DETAIL']);

export interface FieldProblem {
  field: string;
  message: string;
}

export interface ConnectionFields {
  reportTypes?: ReportType[];
  historyDays?: number;
  sheetName?: string;
  layout?: unknown;
  scheduleTime?: string;
}

/** A KST wall-clock time HH:MM, 00:00–23:59. */
export const isClockTime = (s: string) => /^([01]\d|2[0-3]):[0-5]\d$/.test(s);

/**
 * Every problem with a connection's fields as they would be after a change, each naming its field and the limit it
 * breaks, so the caller can fix all of them at once. Pure.
 */
export function connectionProblems(f: ConnectionFields): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const types = f.reportTypes ?? [];
  const twice = types.filter((t, i) => types.indexOf(t) !== i);
  if (twice.length > 0) {
    problems.push({
      field: 'reportTypes',
      message: `${[...new Set(twice)].join(', ')} listed more than once; each report type is imported once (twice would double every number)`,
    });
  }
  if (f.historyDays !== undefined) {
    for (const t of new Set(types)) {
      if (f.historyDays > LOOKBACK_DAYS[t]) {
        problems.push({
          field: 'historyDays',
          message: `${f.historyDays} days is beyond NAVER's look-back for ${t}: at most ${LOOKBACK_DAYS[t]} days`,
        });
      }
    }
  }
  if (f.sheetName !== undefined) {
    const name = f.sheetName;
    const reserved = RESERVED_PREFIXES.find((p) => name.toLowerCase().startsWith(p));
    if (reserved) {
      problems.push({
        field: 'sheetName',
        message: `tab names starting with "${reserved}" are reserved for Reportline's own hidden tabs; choose another name`,
      });
    } else if (name.trim() === '' || name !== name.trim()) {
      problems.push({ field: 'sheetName', message: 'a tab name must not be blank or start or end with spaces' });
    } else if (/\p{Cc}/u.test(name)) {
      problems.push({ field: 'sheetName', message: 'a tab name must not contain control characters' });
    }
  }
  if (f.scheduleTime !== undefined && !isClockTime(f.scheduleTime)) {
    problems.push({ field: 'scheduleTime', message: `${f.scheduleTime} is not a time of day as HH:MM (KST)` });
  }
  if (f.layout !== undefined && f.layout !== null) {
    const parsed = LayoutV1.safeParse(f.layout);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        problems.push({ field: ['layout', ...issue.path].join('.'), message: issue.message });
      }
    } else {
      const detailOnly = parsed.data.dimensions.filter((d) => DETAIL_ONLY.has(d));
      if (detailOnly.length > 0 && !types.some((t) => DETAIL_TYPES.has(t))) {
        problems.push({
          field: 'layout.dimensions',
          message: `${detailOnly.join(', ')} exist only in AD_DETAIL or AD_CONVERSION_DETAIL reports; add one of those report types`,
        });
      }
    }
  }
  return problems;
}

export const describeProblems = (problems: FieldProblem[]) =>
  problems.map((p) => `${p.field}: ${p.message}`).join('; ');
