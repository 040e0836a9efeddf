import { z } from 'zod';

const rate = z.number().min(0).max(1);

/** Google's published limits (reference/google-sheets-api.md); tests shrink them to reach the edges quickly. */
export const LimitsConfig = z.object({
  writesPerMinutePerUser: z.number().int().positive().default(60),
  writesPerMinutePerProject: z.number().int().positive().default(300),
  readsPerMinutePerUser: z.number().int().positive().default(60),
  readsPerMinutePerProject: z.number().int().positive().default(300),
  maxCellsPerSpreadsheet: z.number().int().positive().default(10_000_000),
  maxPayloadBytes: z.number().int().positive().default(10_485_760),
  maxCharsPerCell: z.number().int().positive().default(50_000),
  maxRequestsPerBatch: z.number().int().positive().default(100_000),
});

export type Limits = z.output<typeof LimitsConfig>;

/** Random faults on every /v4 request; `drop` applies the request, then destroys the socket instead of answering. */
export const FaultsConfig = z.object({
  error500Rate: rate.default(0),
  error503Rate: rate.default(0),
  dropResponseRate: rate.default(0),
  latencyMs: z.number().int().min(0).default(0),
});

export const SeedSheet = z.object({
  title: z.string().min(1),
  sheetId: z.number().int().min(0).optional(),
  rowCount: z.number().int().positive().optional(),
  columnCount: z.number().int().positive().optional(),
  hidden: z.boolean().optional(),
  /** Literal values from A1; strings starting with `=` are stored as formulas. */
  values: z.array(z.array(z.union([z.string(), z.number(), z.boolean(), z.null()]))).optional(),
});
export type SeedSheet = z.input<typeof SeedSheet>;

/** Drive's roles, as the Sheets API sees them: `reader` may read, `writer` (Editor) may also write. */
export const Role = z.enum(['reader', 'writer']);
export type Role = z.infer<typeof Role>;

export const Permission = z.object({ emailAddress: z.string().min(1), role: Role });

export const SeedSpreadsheet = z.object({
  spreadsheetId: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,100}$/, 'spreadsheetId: letters, digits, _ and - only')
    .optional(),
  title: z.string().default('Untitled spreadsheet'),
  locale: z.string().default('en_US'),
  timeZone: z.string().default('Asia/Seoul'),
  sheets: z.array(SeedSheet).optional(),
  /**
   * Who the spreadsheet is shared with. Absent: anyone may read and write (the fake's tests before permissions);
   * present (even empty): only these callers (by bearer token, the principal's email), as Drive would.
   */
  permissions: z.array(Permission).optional(),
});
export type SeedSpreadsheet = z.input<typeof SeedSpreadsheet>;

export const FakeConfig = z.object({
  limits: LimitsConfig.prefault({}),
  faults: FaultsConfig.prefault({}),
  /** Shown in 429 messages as `project_number:<this>`; the fact sheet's example redacts it to `x`. */
  projectNumber: z.string().default('x'),
  spreadsheets: z.array(SeedSpreadsheet).default([]),
});
export type FakeConfig = z.output<typeof FakeConfig>;
export type FakeConfigInput = z.input<typeof FakeConfig>;

export function parseConfig(input: unknown): FakeConfig {
  const parsed = FakeConfig.safeParse(input ?? {});
  if (!parsed.success) throw new Error(`Invalid sheets-fake config: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}
