import { CustomerId, LayoutV1, ReportType } from '@reportline/contracts';
import { z } from 'zod';
import { ImportView } from '../domain/import-view.ts';

/** A real calendar date (2025-02-30 and 2025-13-01 are not), as YYYY-MM-DD. */
export const CalendarDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date as YYYY-MM-DD')
  .refine((s) => {
    const d = new Date(`${s}T00:00:00Z`);
    return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
  }, 'not a date of the calendar');

export const ApiDateRange = z
  .object({ from: CalendarDate, to: CalendarDate })
  .refine((r) => r.from <= r.to, { message: 'dateRange.from must not be after dateRange.to', path: ['from'] });

const Credentials = {
  apiKey: z.string().min(1).max(512),
  secret: z.string().min(1).max(512),
};

const ConnectionFields = {
  name: z.string().trim().min(1).max(200).optional().describe('A name for people; the customer id when absent.'),
  reportTypes: z.array(ReportType).min(1).max(4).default(['AD']),
  historyDays: z
    .number()
    .int()
    .min(1)
    .max(365)
    .default(30)
    .describe("Days the sheet keeps, ending yesterday (KST); at most the report types' NAVER look-back."),
  spreadsheetId: z.string().min(1).max(200),
  sheetName: z.string().min(1).max(100),
  scheduleTime: z.string().default('06:30').describe('Daily import time, HH:MM in KST.'),
  layout: LayoutV1.nullable().optional().describe('The sheet layout; the default Korean keyword layout when absent.'),
};

export const ConnectionInput = z.object({
  customerId: CustomerId,
  ...Credentials,
  ...ConnectionFields,
  firstImportRange: ApiDateRange.optional().describe(
    "The dates of the first-link import queued with the connection; the connection's history ending yesterday (KST) when absent.",
  ),
});

/** A change: every field optional; credentials change together. */
export const ConnectionPatch = z
  .object({
    name: ConnectionFields.name,
    apiKey: Credentials.apiKey.optional(),
    secret: Credentials.secret.optional(),
    reportTypes: z.array(ReportType).min(1).max(4).optional(),
    historyDays: z.number().int().min(1).max(365).optional(),
    spreadsheetId: ConnectionFields.spreadsheetId.optional(),
    sheetName: ConnectionFields.sheetName.optional(),
    scheduleTime: z.string().optional(),
    layout: LayoutV1.nullable().optional(),
  })
  .refine((p) => (p.apiKey === undefined) === (p.secret === undefined), {
    message: 'apiKey and secret are rotated together: send both',
    path: ['secret'],
  });

export const ConnectionOutput = z.object({
  id: z.uuid(),
  name: z.string().nullable(),
  customerId: z.string(),
  reportTypes: z.array(ReportType),
  historyDays: z.number(),
  spreadsheetId: z.string(),
  sheetName: z.string(),
  status: z
    .enum(['verifying', 'healthy', 'unhealthy'])
    .describe('verifying: NAVER is checking the credentials and imports wait; unhealthy: see health.'),
  health: z
    .object({ code: z.string(), message: z.string(), action: z.string(), at: z.string() })
    .nullable()
    .describe('Why the connection is unhealthy, and what to do.'),
  scheduleTime: z.string(),
  paused: z.boolean(),
  layout: LayoutV1.nullable(),
  principalEmail: z.string().nullable().describe('Share the spreadsheet with this Google account as Editor.'),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const ImportInput = z.object({
  connectionId: z.uuid(),
  trigger: z.enum(['manual', 'relink']).default('manual'),
  dateRange: ApiDateRange.optional(),
  force: z
    .boolean()
    .default(false)
    .describe('Start a new import even when a queued or running one covers these dates.'),
});

/** The import read model as the projection keeps it; defined once, in the domain. */
export const ImportOutput = ImportView;

export const Problem = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number(),
  detail: z.string().optional(),
});
