import { type EventOfType, ImportRequestedV2, makeEvent } from '@reportline/contracts';
import type { Connection } from '../connection-store.ts';
import { importRange } from './dates.ts';
import { evolveView, type ImportView, initialView } from './import-view.ts';

/** What an import needs of its connection. */
export type ImportableConnection = Pick<
  Connection,
  'id' | 'customerId' | 'reportTypes' | 'historyDays' | 'spreadsheetId' | 'sheetName' | 'layout'
>;

export interface ImportRequest {
  trigger: 'first-link' | 'manual' | 'relink' | 'scheduled';
  dateRange?: { from: string; to: string };
}

export type ImportRequestDecision =
  | { kind: 'requested'; requested: EventOfType<'ImportRequested'>; view: ImportView }
  | { kind: 'rejected'; code: 'invalid-date-range'; message: string };

/**
 * A request for an import of `connection` at `now`: the one ImportRequested every trigger produces (the seeds'
 * scheduled runs skipped the lock by taking another path), with the view it starts from. Pure.
 */
export function decideImportRequest(
  connection: ImportableConnection,
  request: ImportRequest,
  ids: { importId: string; now: Date; source: string },
): ImportRequestDecision {
  const range = importRange(ids.now, connection.historyDays, request.dateRange);
  if (!range.ok) return { kind: 'rejected', code: 'invalid-date-range', message: range.reason };
  const requested = makeEvent(
    ImportRequestedV2,
    {
      connectionId: connection.id,
      trigger: request.trigger,
      priority: request.trigger === 'scheduled' ? 'scheduled' : 'on-demand',
      reportTypes: connection.reportTypes,
      dateRange: range.range,
      target: { spreadsheetId: connection.spreadsheetId, sheetName: connection.sheetName },
      layout: connection.layout,
      historyDays: connection.historyDays,
    },
    { source: ids.source, importId: ids.importId, customerId: connection.customerId, now: ids.now },
  );
  return {
    kind: 'requested',
    requested,
    view: evolveView(initialView(ids.importId, connection.customerId), requested),
  };
}
