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
