import { CustomerId, DateRange, ReportType } from '@reportline/contracts';
import { z } from 'zod';

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

export const ImportOutput = z.object({
  importId: z.uuid(),
  customerId: z.string(),
  status: z.enum(['requested', 'downloading', 'processing', 'writing', 'completed', 'failed']),
  requestedAt: z.string().nullable(),
  fencingToken: z.number().nullable(),
  progress: z.object({ completed: z.number(), total: z.number() }).nullable(),
  naverRequests: z.number().nullable(),
  rowsWritten: z.number().nullable(),
  failure: z.object({ stage: z.string(), code: z.string(), message: z.string(), retryable: z.boolean() }).nullable(),
  steps: z.array(z.object({ type: z.string(), time: z.string(), eventId: z.string() })),
});

export const Problem = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number(),
  detail: z.string().optional(),
});
