import { kstDate } from '@reportline/platform';
import { z } from 'zod';

/** The four report types Reportline imports, plus the others NAVER documents (accepted, not modelled in detail). */
export const STAT_REPORT_TYPES = ['AD', 'AD_DETAIL', 'AD_CONVERSION', 'AD_CONVERSION_DETAIL'] as const;
export const OTHER_STAT_REPORT_TYPES = [
  'ADEXTENSION',
  'ADEXTENSION_CONVERSION',
  'EXPKEYWORD',
  'SHOPPINGKEYWORD_DETAIL',
  'SHOPPINGKEYWORD_CONVERSION_DETAIL',
  'SHOPPINGBRANDPRODUCT',
  'SHOPPINGBRANDPRODUCT_CONVERSION',
  'CRITERION',
  'CRITERION_CONVERSION',
] as const;
export type StatReportType = (typeof STAT_REPORT_TYPES)[number] | (typeof OTHER_STAT_REPORT_TYPES)[number];

/** SPEC-RPT enum plus CHANGED (post-2025-10-27, exact string unconfirmed, #1207) — unknown strings still parse. */
export const STAT_REPORT_STATUSES = [
  'REGIST',
  'RUNNING',
  'WAITING',
  'AGGREGATING',
  'BUILT',
  'NONE',
  'ERROR',
  'CHANGED',
];

export const statReportJobSchema = z.looseObject({
  reportJobId: z.number().int(),
  reportTp: z.string(),
  /** KST midnight of the report day, expressed in UTC (`2022-08-31T15:00:00Z` is 2022-09-01). */
  statDt: z.string(),
  status: z.string(),
  /** `""` until BUILT; use verbatim. */
  downloadUrl: z.string().optional().default(''),
  updateTm: z.string().optional(),
  regTm: z.string().optional(),
  loginId: z.string().optional(),
});
export type StatReportJob = z.infer<typeof statReportJobSchema>;

export const MASTER_REPORT_ITEMS = ['Campaign', 'Adgroup', 'Keyword', 'Ad'] as const;
export type MasterReportItem = (typeof MASTER_REPORT_ITEMS)[number] | (string & {});

export const masterReportJobSchema = z.looseObject({
  id: z.string(),
  item: z.string(),
  fromTime: z.string().nullish(),
  status: z.string(),
  downloadUrl: z.string().optional().default(''),
  updateTime: z.string().optional(),
});
export type MasterReportJob = z.infer<typeof masterReportJobSchema>;

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** `YYYY-MM-DD` → NAVER's `YYYYMMDD` (the dashed form is rejected with 11001, #972). */
export function toStatDt(statDate: string): string {
  const m = ISO_DATE.exec(statDate);
  const d = m ? new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))) : undefined;
  if (!m || !d || d.toISOString().slice(0, 10) !== statDate) {
    throw new TypeError(`statDate must be a real calendar date as YYYY-MM-DD, got ${JSON.stringify(statDate)}`);
  }
  return `${m[1]}${m[2]}${m[3]}`;
}

/** NAVER's echoed statDt (UTC instant of KST midnight) → the KST calendar day `YYYY-MM-DD`. */
export function statDtToKstDate(statDt: string): string {
  const ms = Date.parse(statDt);
  if (Number.isNaN(ms)) throw new TypeError(`unparseable statDt ${JSON.stringify(statDt)}`);
  return kstDate(ms);
}
