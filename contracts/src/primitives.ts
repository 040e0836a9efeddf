import { z } from 'zod';

/** NAVER advertiser account id (`X-Customer`): the lock key. Digits only, kept as a string. */
export const CustomerId = z.string().regex(/^\d{1,20}$/, 'customerId must be the NAVER customer id, digits only');
export const ImportId = z.uuid();
export const EventId = z.uuid();

/** A calendar date in KST, `YYYY-MM-DD`. */
export const IsoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date as YYYY-MM-DD');

export const DateRange = z
  .object({ from: IsoDate, to: IsoDate })
  .refine((r) => r.from <= r.to, { message: 'dateRange.from must not be after dateRange.to' });

/** Stat-report types Reportline imports today; more are added as new contract versions, never in place. */
export const ReportType = z.enum(['AD', 'AD_DETAIL', 'AD_CONVERSION', 'AD_CONVERSION_DETAIL']);
export type ReportType = z.infer<typeof ReportType>;

/** A claim check: large payloads (files, rows) are stored and only referenced from events. */
export const BlobRef = z.object({
  uri: z.string().regex(/^blob:\/\/[a-z0-9-]+\/[A-Za-z0-9._/-]+$/, 'expected blob://<store>/<key>'),
  bytes: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  contentType: z.string(),
});
export type BlobRef = z.infer<typeof BlobRef>;

export const SheetTarget = z.object({
  spreadsheetId: z.string().min(1).max(200),
  sheetName: z.string().min(1).max(100),
});
