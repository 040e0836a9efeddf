import {
  type EventContext,
  type EventOfType,
  ImportCompletedV1,
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
import { answerFor, type DownloadAnswer } from './domain/answer.ts';
import { ReportFormatError } from './domain/parse.ts';
import { buildRows, COLUMN_TYPES, COLUMNS, type ReportFile } from './domain/rows.ts';

export const SERVICE = 'processor';

/** What `processDownload` answered with, by the event it published; anything else is the import failed. */
const OUTCOME: Partial<Record<ReportlineEvent['type'], 'processed' | 'nothing-to-write'>> = {
  RowsProcessed: 'processed',
  ImportCompleted: 'nothing-to-write',
};

/**
 * Turns an import's downloaded files into sheet rows (stored as a claim check) and announces them. A file that does
 * not parse fails the import with the file and line named; the raw files stay stored, so nothing is lost. A download
 * whose every date is pending has no rows: the import ends completed with none written (see `answerFor`).
 */
export async function processDownload(
  deps: { pool: Pool; blobs: BlobStore; clock: Clock; metrics?: Pick<ServiceMetrics, 'rowsProcessed'> },
  event: EventOfType<'ReportsDownloaded'>,
): Promise<'processed' | 'nothing-to-write' | 'failed' | 'duplicate'> {
  const ctx = {
    source: SERVICE,
    importId: event.importId,
    customerId: event.customerId,
    causedBy: event,
    now: deps.clock.now(),
  };
  const answer = answerFor(event);
  const { result, rowCount } =
    answer.kind === 'nothing-to-write'
      ? {
          result: makeEvent(
            ImportCompletedV1,
            { rowsWritten: 0, spreadsheetId: answer.target.spreadsheetId, sheetName: answer.target.sheetName },
            ctx,
          ),
          rowCount: 0,
        }
      : await processFiles(deps.blobs, event.importId, answer, ctx);
  const outcome = await handleOnce(deps.pool, SERVICE, event.id, {
    inside: async (tx) => {
      await appendToOutbox(tx, SERVICE, [result]);
      return OUTCOME[result.type] ?? ('failed' as const);
    },
  });
  // Counted once committed, and not for a redelivery, so the counter matches the rows handed to the writer.
  if (outcome === 'processed') deps.metrics?.rowsProcessed.inc(rowCount);
  return outcome === DUPLICATE ? 'duplicate' : outcome;
}

/** The rows of the download's files, stored, as RowsProcessed; or ImportFailed naming a file that does not parse. */
async function processFiles(
  blobs: BlobStore,
  importId: string,
  answer: Extract<DownloadAnswer, { kind: 'rows' }>,
  ctx: EventContext,
): Promise<{ result: ReportlineEvent; rowCount: number }> {
  const files: ReportFile[] = [];
  for (const r of answer.files) {
    const content = await blobs.get(r.file);
    files.push({
      reportType: r.reportType,
      statDate: r.statDate,
      name: `${r.reportType} ${r.statDate}`,
      text: content.toString('utf8'),
    });
  }
  try {
    const rows = buildRows(files);
    // The stored row set says its column types, so the writer needs no knowledge of NAVER layouts.
    const rowSet: RowSetV1 = {
      format: 'reportline.rows.v1',
      columns: COLUMNS.map((name) => ({ name, type: COLUMN_TYPES[name] })),
      rows,
    };
    const content = Buffer.from(JSON.stringify(rowSet));
    const ref = await blobs.put(`rows/${importId}`, content, 'application/json');
    const processed = {
      rows: ref,
      rowCount: rows.length,
      columns: [...COLUMNS],
      dateRange: { from: answer.dates[0]!, to: answer.dates.at(-1)! },
    };
    // The connection and target are passed on to the writer. A ReportsDownloaded v1 names neither: RowsProcessed v1
    // passes that on too, and the writer, which needs the target, ends the import with the reason.
    const result = answer.carried
      ? makeEvent(RowsProcessedV2, { ...processed, ...answer.carried }, ctx)
      : makeEvent(RowsProcessedV1, processed, ctx);
    return { result, rowCount: rows.length };
  } catch (error) {
    if (!(error instanceof ReportFormatError)) throw error;
    const result = makeEvent(
      ImportFailedV1,
      {
        stage: 'process',
        code: 'report-format',
        message: `a NAVER report did not have the expected layout: ${error.message}`,
        retryable: false,
      },
      ctx,
    );
    return { result, rowCount: 0 };
  }
}
