import { z } from 'zod';

/**
 * The stored content behind RowsProcessed's claim check (`data.rows`): what the processor writes and the
 * sheets-writer reads. Versioned like events: a new shape gets a new `format`.
 */
export const RowSetV1 = z.object({
  format: z.literal('reportline.rows.v1'),
  columns: z.array(z.object({ name: z.string().min(1), type: z.enum(['string', 'number', 'date']) })).min(1),
  rows: z.array(z.array(z.union([z.string(), z.number(), z.null()]))),
});
export type RowSetV1 = z.infer<typeof RowSetV1>;

/** A column of a v2 row set: a stable key, the header the sheet shows, and how the writer types its cells. */
export const RowSetColumn = z.object({
  key: z.string().regex(/^[a-zA-Z][a-zA-Z0-9_]*$/),
  header: z.string().min(1).max(200),
  type: z.enum(['string', 'number', 'date']),
});
export type RowSetColumn = z.infer<typeof RowSetColumn>;

/**
 * v2 streams: line 1 is this header as JSON, then one JSON array per row (cells in column order: a string, a
 * number, or null for an empty cell; a `date` cell is `YYYY-MM-DD`). Every line ends with `\n`. Rows are sorted by
 * date, then by the layout's dimensions, so one date is one contiguous block: the writer replaces a date's block in
 * place and streams the rest without holding the set whole. The first column is the row's date (its period start
 * for week and month granularity).
 */
export const RowSetV2Header = z.object({
  format: z.literal('reportline.rows.v2'),
  columns: z.array(RowSetColumn).min(1),
});
export type RowSetV2Header = z.infer<typeof RowSetV2Header>;
export const RowSetV2Row = z.array(z.union([z.string(), z.number(), z.null()]));
export const ROW_SET_V2_CONTENT_TYPE = 'application/x-ndjson; format=reportline.rows.v2';
