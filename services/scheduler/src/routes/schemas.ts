import { CustomerId, DateRange, ReportType } from '@reportline/contracts';
import { z } from 'zod';
import { ImportView } from '../domain/import-view.ts';

export const ConnectionInput = z.object({
  customerId: CustomerId,
  apiKey: z.string().min(1).max(512),
  secret: z.string().min(1).max(512),
  reportTypes: z.array(ReportType).min(1).default(['AD']),
  historyDays: z.number().int().min(1).max(400).default(400),
  spreadsheetId: z.string().min(1).max(200),
  sheetName: z.string().min(1).max(100),
});

export const ConnectionOutput = z.object({
  id: z.uuid(),
  customerId: z.string(),
  reportTypes: z.array(ReportType),
  historyDays: z.number(),
  spreadsheetId: z.string(),
  sheetName: z.string(),
  createdAt: z.string(),
});

export const ImportInput = z.object({
  connectionId: z.uuid(),
  trigger: z.enum(['first-link', 'manual', 'relink']).default('manual'),
  dateRange: DateRange.optional(),
});

/** The import read model as the projection keeps it; defined once, in the domain. */
export const ImportOutput = ImportView;

export const Problem = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number(),
  detail: z.string().optional(),
});
