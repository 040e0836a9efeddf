import type { EventOfType } from '@reportline/contracts';
import { PermanentFailureError } from '@reportline/platform';

export interface Target {
  spreadsheetId: string;
  sheetName: string;
}

/**
 * Where an import's rows go: the target RowsProcessed v2 carries forward from the import's request. A v1 (from a
 * processor before v2) names none, and the writer keeps no copy of requests, so retrying cannot help: the bus gives up
 * at once and the give-up ends the import with the reason.
 */
export function targetOf(event: EventOfType<'RowsProcessed'>): Target {
  if (event.version !== 1) return event.data.target;
  throw new PermanentFailureError(
    'rows-without-target',
    "the rows arrived without the import's target sheet (they were processed before the target was passed on); " +
      'request the import again',
    { importRetryable: true },
  );
}
