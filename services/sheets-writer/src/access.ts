import { SheetsApiError, type SheetsPort, SpreadsheetUnreachableError } from './sheets/index.ts';

/**
 * Google refusing the principal (403: not shared, shared as Viewer, or the API off for its project; 404: no such
 * spreadsheet) on ANY call, not only the first read, becomes SpreadsheetUnreachableError: the write path ends the
 * import with `sheet-unreachable` at once instead of retrying a write no retry can fix (a Viewer share passes the
 * read and fails the first write). The message names the email to share with, which is what the user must do.
 */
export function withAccessErrors(port: SheetsPort, principalEmail: string): SheetsPort {
  const guard =
    <A extends [string, ...unknown[]], T>(call: (...args: A) => Promise<T>) =>
    async (...args: A): Promise<T> => {
      try {
        return await call(...args);
      } catch (err) {
        if (err instanceof SheetsApiError && (err.status === 403 || err.status === 404)) {
          const action =
            err.status === 404
              ? 'check that the spreadsheet still exists'
              : `share the spreadsheet with ${principalEmail} as Editor`;
          throw new SpreadsheetUnreachableError(args[0], err.status, `${err.message}; ${action}`);
        }
        throw err;
      }
    };
  return {
    getSpreadsheet: guard(port.getSpreadsheet.bind(port)),
    readTabs: guard(port.readTabs.bind(port)),
    getValues: guard(port.getValues.bind(port)),
    batchGetValues: guard(port.batchGetValues.bind(port)),
    updateValues: guard(port.updateValues.bind(port)),
    batchUpdate: guard(port.batchUpdate.bind(port)),
  };
}
