/**
 * What a person can do about a failed import, from its code: the failure's message says what happened, this says
 * what to do next. Codes the contract does not enumerate fall back on `retryable`. Pure.
 */
const ACTIONS: Record<string, string> = {
  cancelled: 'Nothing: the import was cancelled on request. Request it again to import these dates.',
  'naver-credentials-invalid':
    "Rotate the connection's credentials: PATCH /connections/:id with a valid NAVER API key and secret.",
  'credentials-rejected':
    "Rotate the connection's credentials: PATCH /connections/:id with a valid NAVER API key and secret.",
  'credentials-unhealthy':
    "Rotate the connection's credentials: PATCH /connections/:id with a valid NAVER API key and secret.",
  'credentials-missing': 'Link the account again: PATCH /connections/:id with its NAVER API key and secret.',
  'credentials-customer-mismatch':
    'Use the API key of this customer id: PATCH /connections/:id with the key and secret NAVER issued for it.',
  'naver-license-not-linked':
    'Link the API license to this customer id in the NAVER Search Ad console, then request the import again.',
  'sheet-unreachable':
    "Share the spreadsheet as Editor with the connection's principalEmail (GET /connections/:id), then request the import again.",
  'spreadsheet-not-found':
    "Check the connection's spreadsheetId, and share the spreadsheet as Editor with its principalEmail.",
  'sheet-too-large':
    "Keep fewer days (the connection's historyDays) or fewer columns, or move older data out of the spreadsheet.",
  'sheet-name-invalid': 'Choose another tab name: PATCH /connections/:id with a valid sheetName.',
  'sheet-name-reserved':
    'Choose another tab name: PATCH /connections/:id with a sheetName Reportline does not reserve.',
  'sheet-target-invalid': "Fix the connection's target: PATCH /connections/:id with its spreadsheetId and sheetName.",
};

export const RETRYABLE_ACTION = 'Reportline retries on the next run; or request it again.';
export const PERMANENT_ACTION =
  'Retrying the same import cannot help: fix what the message names, then request the import again.';

export function failureAction(code: string, retryable: boolean): string {
  return ACTIONS[code] ?? (retryable ? RETRYABLE_ACTION : PERMANENT_ACTION);
}
