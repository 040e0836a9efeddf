import { randomInt } from 'node:crypto';
import type { PreflightProblemCode, PreflightResult } from '@reportline/contracts';
import { SheetsApiError, SpreadsheetUnreachableError } from './sheets/errors.ts';
import type { PrincipalQuota, SheetsPort } from './sheets/index.ts';
import { METADATA_TAB } from './sheets/metadata.ts';
import { STAGING_PREFIX } from './sheets/plan.ts';

type Problem = PreflightResult['problems'][number];

/** Probe tabs are ours too: the `_reportline` prefix keeps them out of every user tab's way. */
export const PROBE_PREFIX = `${METADATA_TAB}_probe_`;

/**
 * Whether the tab name can be the import's target: Google takes up to 100 characters (no control characters), and
 * the writer owns every tab named `_reportline…` (its metadata, its probes) and `_stage_…` (its staging tabs).
 */
export function sheetNameProblems(sheetName: string): Problem[] {
  const problem = (code: PreflightProblemCode, detail: string, action: string) => [{ code, detail, action }];
  if (sheetName.trim() === '' || sheetName.length > 100 || /\p{Cc}/u.test(sheetName)) {
    return problem(
      'sheet-name-invalid',
      `the tab name "${sheetName}" is not a valid Google Sheets tab name (1-100 characters, no control characters)`,
      'Choose a tab name of 1 to 100 visible characters.',
    );
  }
  const lower = sheetName.toLowerCase();
  if (lower.startsWith(METADATA_TAB) || lower.startsWith(STAGING_PREFIX)) {
    return problem(
      'sheet-name-reserved',
      `tab names starting with "${METADATA_TAB}" or "${STAGING_PREFIX}" are reserved for Reportline's own tabs`,
      `Choose another tab name (not starting with "${METADATA_TAB}" or "${STAGING_PREFIX}").`,
    );
  }
  return [];
}

/** What the user must do when Google refuses the principal, by what it refused. */
function accessProblem(status: number, spreadsheetId: string, email: string, step: 'read' | 'write') {
  const share = `Share the spreadsheet with ${email} as Editor`;
  if (status === 404) {
    return {
      code: 'spreadsheet-not-found' as const,
      detail: `spreadsheet ${spreadsheetId} does not exist (or was deleted)`,
      action: `Check the spreadsheet's URL or ID, then ${share.toLowerCase()}.`,
    };
  }
  if (step === 'read') {
    return {
      code: 'not-shared' as const,
      detail: `spreadsheet ${spreadsheetId} is not shared with ${email}`,
      action: `${share} (Share → add ${email} → Editor).`,
    };
  }
  return {
    code: 'not-editor' as const,
    detail: `${email} can read spreadsheet ${spreadsheetId} but not edit it (shared as Viewer or Commenter)`,
    action: `${share}: change its access from Viewer to Editor.`,
  };
}

/** Google's 403 or 404, as the port reports it (raw, or already as the write path's SpreadsheetUnreachableError). */
function refusal(err: unknown): number | undefined {
  const status = err instanceof SheetsApiError || err instanceof SpreadsheetUnreachableError ? err.status : undefined;
  return status === 403 || status === 404 ? status : undefined;
}

/**
 * Checks that the principal can really write the target: it reads the spreadsheet, then adds a hidden probe tab and
 * deletes it in ONE batchUpdate (atomic, so it leaves nothing behind whatever happens; a write that only a Viewer
 * share would refuse). Google being unavailable is thrown, not reported as a problem: the caller may ask again.
 */
export async function preflight(
  deps: { port: SheetsPort; quota: PrincipalQuota; principalEmail: string },
  target: { spreadsheetId: string; sheetName: string },
): Promise<PreflightResult> {
  const { port, quota, principalEmail } = deps;
  const { spreadsheetId } = target;
  const result = (problems: Problem[]): PreflightResult => ({
    ok: problems.length === 0,
    principalEmail,
    ...target,
    problems,
  });
  const nameProblems = sheetNameProblems(target.sheetName);
  let sheetIds: Set<number>;
  try {
    const info = await quota.run('spreadsheets.get', () => port.getSpreadsheet(spreadsheetId));
    sheetIds = new Set(info.sheets.map((s) => s.sheetId));
  } catch (err) {
    const status = refusal(err);
    if (status === undefined) throw err;
    return result([accessProblem(status, spreadsheetId, principalEmail, 'read'), ...nameProblems]);
  }
  let sheetId = randomInt(1, 2 ** 31 - 1);
  while (sheetIds.has(sheetId)) sheetId = randomInt(1, 2 ** 31 - 1);
  try {
    await quota.run('spreadsheets.batchUpdate', () =>
      port.batchUpdate(spreadsheetId, [
        { addSheet: { properties: { sheetId, title: `${PROBE_PREFIX}${sheetId}`, hidden: true } } },
        { deleteSheet: { sheetId } },
      ]),
    );
  } catch (err) {
    const status = refusal(err);
    if (status === undefined) throw err;
    return result([accessProblem(status, spreadsheetId, principalEmail, 'write'), ...nameProblems]);
  }
  return result(nameProblems);
}
