import { z } from 'zod';
import { SheetTarget } from './primitives.ts';

/**
 * The sheets-writer's internal HTTP API: the preflight the scheduler runs when a connection is created and before an
 * import is queued, so a spreadsheet the writer cannot write fails fast, with what the user must do, instead of at
 * write time. Both ends parse with these schemas. Needs the service credential
 * (`authorization: Bearer <INTERNAL_API_TOKEN>`).
 */

export const PreflightRequest = z.object({
  connectionId: z.uuid().describe('Bound to a Google principal on its first preflight (or write), for good.'),
  ...SheetTarget.shape,
});
export type PreflightRequest = z.infer<typeof PreflightRequest>;

/** Why a target cannot be written; `action` says what to do about it. */
export const PreflightProblemCode = z.enum([
  /** No such spreadsheet (or it was deleted): Google answers 404 to any caller. */
  'spreadsheet-not-found',
  /** Not shared with the connection's principal at all. */
  'not-shared',
  /** Shared with the principal as Viewer (or Commenter): it can read, not write. */
  'not-editor',
  /** `_reportline…` and `_stage_…` tabs are the writer's own. */
  'sheet-name-reserved',
  'sheet-name-invalid',
]);
export type PreflightProblemCode = z.infer<typeof PreflightProblemCode>;

export const PreflightResult = z.object({
  ok: z.boolean().describe('true: the principal can write this tab of this spreadsheet now.'),
  principalEmail: z
    .email()
    .describe("The connection's Google principal: the email the user shares the spreadsheet with, as Editor."),
  spreadsheetId: z.string(),
  sheetName: z.string(),
  problems: z
    .array(
      z.object({
        code: PreflightProblemCode,
        detail: z.string().describe('What was found.'),
        action: z.string().describe('What the user must do, e.g. "Share the spreadsheet with … as Editor".'),
      }),
    )
    .describe('Empty when ok.'),
});
export type PreflightResult = z.infer<typeof PreflightResult>;
