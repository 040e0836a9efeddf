import {
  type EventOfType,
  ImportFailedV1,
  makeEvent,
  type ReportlineEvent,
  type RowSetV1,
  RowsProcessedV1,
  RowsProcessedV2,
} from '@reportline/contracts';
import {
  appendToOutbox,
  type BlobStore,
  type Clock,
  DUPLICATE,
  handleOnce,
  type Pool,
  type ServiceMetrics,
} from '@reportline/platform';
import { ReportFormatError } from './domain/parse.ts';
import { buildRows, COLUMN_TYPES, COLUMNS, type ReportFile } from './domain/rows.ts';

export const SERVICE = 'processor';

/**
 * Turns an import's downloaded files into sheet rows (stored as a claim check) and announces them. A file that does
 * not parse fails the import with the file and line named; the raw files stay stored, so nothing is lost.
 */
export async function processDownload(
  deps: { pool: Pool; blobs: BlobStore; clock: Clock; metrics?: Pick<ServiceMetrics, 'rowsProcessed'> },
  event: EventOfType<'ReportsDownloaded'>,
): Promise<'processed' | 'failed' | 'duplicate'> {
  const files: ReportFile[] = [];
  for (const r of event.data.reports) {
    if (!r.file) continue;
    const content = await deps.blobs.get(r.file);
    files.push({
      reportType: r.reportType,
      statDate: r.statDate,
      name: `${r.reportType} ${r.statDate}`,
      text: content.toString('utf8'),
    });
  }
  const ctx = {
    source: SERVICE,
    importId: event.importId,
    customerId: event.customerId,
    causedBy: event,
    now: deps.clock.now(),
  };
  let result: ReportlineEvent;
  let rowCount = 0;
  try {
    const rows = buildRows(files);
    rowCount = rows.length;
    const dates = event.data.reports.map((r) => r.statDate).sort();
    // The stored row set says its column types, so the writer needs no knowledge of NAVER layouts.
    const rowSet: RowSetV1 = {
      format: 'reportline.rows.v1',
      columns: COLUMNS.map((name) => ({ name, type: COLUMN_TYPES[name] })),
      rows,
    };
    const content = Buffer.from(JSON.stringify(rowSet));
    const ref = await deps.blobs.put(`rows/${event.importId}`, content, 'application/json');
    const processed = {
      rows: ref,
      rowCount: rows.length,
      columns: [...COLUMNS],
      dateRange: { from: dates[0]!, to: dates.at(-1)! },
    };
    // The connection and target are passed on to the writer. A ReportsDownloaded v1 names neither: RowsProcessed v1
    // passes that on too, and the writer, which needs the target, ends the import with the reason.
    const { version, data } = event;
    result =
      version === 2
        ? makeEvent(RowsProcessedV2, { ...processed, connectionId: data.connectionId, target: data.target }, ctx)
        : makeEvent(RowsProcessedV1, processed, ctx);
  } catch (error) {
    if (!(error instanceof ReportFormatError)) throw error;
    result = makeEvent(
      ImportFailedV1,
      {
        stage: 'process',
        code: 'report-format',
        message: `a NAVER report did not have the expected layout: ${error.message}`,
        retryable: false,
      },
      ctx,
    );
  }
  const outcome = await handleOnce(deps.pool, SERVICE, event.id, {
    inside: async (tx) => {
      await appendToOutbox(tx, SERVICE, [result]);
      return result.type === 'RowsProcessed' ? ('processed' as const) : ('failed' as const);
    },
  });
  // Counted once committed, and not for a redelivery, so the counter matches the rows handed to the writer.
  if (outcome === 'processed') deps.metrics?.rowsProcessed.inc(rowCount);
  return outcome === DUPLICATE ? 'duplicate' : outcome;
}
