import {
  type BlobRef,
  formatMasterSnapshotLine,
  MASTER_SNAPSHOT_CONTENT_TYPE,
  MASTER_SNAPSHOT_PREAMBLE,
} from '@reportline/contracts';
import { until } from '@reportline/dev/wait';
import { type InMemoryBus, type Pool, postgresBlobStore, type Running } from '@reportline/platform';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adLine, downloadedFile, downloadedV3, inMemoryProcessor, requestedV2 } from './support.ts';

/**
 * The processor's use case through its real wiring (build → start), on the in-memory bus and real Postgres: no
 * Kafka, so it runs in a second. A redelivered download is processed once in effect.
 */
let bus: InMemoryBus;
let pool: Pool;
let processor: Running;
const customerId = '5550003';

beforeAll(async () => {
  const under = await inMemoryProcessor();
  ({ bus, pool } = under);
  processor = await under.built.start();
});

afterAll(async () => {
  await processor?.close();
  await pool?.end();
});

describe('processing a download (in-memory bus)', () => {
  it('turns a stored AD file into one RowsProcessed v2 for the target, once however often it is delivered', async () => {
    const line = adLine(customerId);
    const file = await postgresBlobStore(pool).put(
      'raw/test/AD/2026-11-10',
      Buffer.from(`${line}\n${line}\n`),
      'text/tab-separated-values',
    );
    const importId = crypto.randomUUID();
    const target = { spreadsheetId: 'sheet-x', sheetName: '로우데이터' };
    const downloaded = downloadedFile(file, { importId, customerId }, target);
    await bus.publish([downloaded]);
    await bus.publish([downloaded]); // a redelivery: same event id
    const processed = await until('RowsProcessed', () =>
      bus.published.find((e) => e.type === 'RowsProcessed' && e.importId === importId),
    );
    await bus.drain();
    expect(bus.published.filter((e) => e.type === 'RowsProcessed' && e.importId === importId)).toHaveLength(1);
    expect(processed).toMatchObject({ version: 2, causationId: downloaded.id, data: { target, rowCount: 1 } });
  });

  it('turns a v3 of stored and NAVER files into one RowsProcessed v3 with names, once however often it is delivered; NONE adds none', async () => {
    const blobs = postgresBlobStore(pool);
    const tsv = (lines: string[]) => Buffer.from(`${lines.join('\n')}\n`);
    const stored = await blobs.put(
      'raw/test-v3/AD/2026-11-10',
      tsv([adLine(customerId, 'nad-a001-01-000000000000001')]),
      'text/tab-separated-values',
    );
    const fresh = await blobs.put(
      'raw/test-v3/AD/2026-11-10b',
      tsv([adLine(customerId, 'nad-a001-01-000000000000002')]),
      'text/tab-separated-values',
    );
    const master = await blobs.put(
      'master/test-v3',
      Buffer.from(
        `${MASTER_SNAPSHOT_PREAMBLE}${formatMasterSnapshotLine({
          kind: 'campaign',
          id: 'cmp-a001-01-000000000000001',
          name: '브랜드',
          parentId: null,
          campaignType: 1,
          state: 'ON',
          deletedAt: null,
        })}\n`,
      ),
      MASTER_SNAPSHOT_CONTENT_TYPE,
    );
    const importId = crypto.randomUUID();
    const target = { spreadsheetId: 'sheet-v3', sheetName: '로우데이터' };
    const generatedAt = '2026-11-11T21:00:00.000Z';
    const downloaded = downloadedV3(
      { importId, customerId },
      {
        reports: [
          {
            reportType: 'AD',
            statDate: '2026-11-10',
            outcome: 'built',
            source: 'store',
            generatedAt,
            file: stored,
            rows: 1,
          },
          {
            reportType: 'AD',
            statDate: '2026-11-12',
            outcome: 'built',
            source: 'naver',
            generatedAt,
            file: fresh,
            rows: 1,
          },
          { reportType: 'AD', statDate: '2026-11-11', outcome: 'none', source: 'store', generatedAt, rows: 0 },
        ],
        pending: [{ reportType: 'AD', statDate: '2026-11-13', code: 'aggregating', reason: 'job ended AGGREGATING' }],
        master,
      },
      target,
    );
    // Its reports before its request: the processor waits for the layout the import asked for, never guesses it.
    await bus.publish([downloaded]);
    await bus.publish([downloaded]); // a redelivery: same event id
    await bus.publish([requestedV2({ importId, customerId })]);
    const processed = await until('RowsProcessed', () =>
      bus.published.find((e) => e.type === 'RowsProcessed' && e.importId === importId),
    );
    await bus.drain();
    expect(bus.published.filter((e) => e.importId === importId && e.source === 'processor')).toHaveLength(1);
    expect(processed).toMatchObject({
      version: 3,
      causationId: downloaded.id,
      // Both files' lines date 2026-11-10 in the fixture; the default layout has no ad column, so the two ads sum into
      // one row. The NONE date is replaced (with nothing), the pending one left alone.
      data: {
        target,
        rowCount: 1,
        granularity: 'day',
        dates: ['2026-11-10', '2026-11-11', '2026-11-12'].map((date) => ({ date, generatedAt })),
        pending: [{ date: '2026-11-13', reason: '2026-11-13 AD: job ended AGGREGATING (aggregating)' }],
        // the ad group and keyword have no master row
        unnamed: 2,
      },
    });
    const text = (await blobs.get((processed.data as { rows: BlobRef }).rows)).toString('utf8');
    const [header, row] = text.split('\n').map((l) => (l ? JSON.parse(l) : l));
    expect(header.format).toBe('reportline.rows.v2');
    expect(row).toEqual([
      '2026-11-10',
      '브랜드',
      'cmp-a001-01-000000000000001',
      '',
      'grp-a001-01-000000000000001',
      '',
      'nkw-a001-01-000000000000001',
      'PC',
      240,
      14,
      7_000,
      5.83,
      500,
      2,
      0,
      0,
      0,
    ]);
  });

  it('ends an import whose every date is pending with ImportCompleted, 0 rows, never reaching the writer', async () => {
    const importId = crypto.randomUUID();
    const target = { spreadsheetId: 'sheet-pending', sheetName: '로우데이터' };
    const downloaded = downloadedV3(
      { importId, customerId },
      {
        reports: [],
        pending: [
          { reportType: 'AD', statDate: '2026-11-20', code: 'early-none', reason: 'NONE before the data-ready hour' },
          { reportType: 'AD', statDate: '2026-11-21', code: 'not-ready', reason: 'still aggregating (20007)' },
        ],
        naverRequests: 2,
      },
      target,
    );
    await bus.publish([requestedV2({ importId, customerId })]);
    await bus.publish([downloaded]);
    await bus.publish([downloaded]); // a redelivery: same event id
    const completed = await until('ImportCompleted', () =>
      bus.published.find((e) => e.type === 'ImportCompleted' && e.importId === importId),
    );
    await bus.drain();
    expect(completed).toMatchObject({
      version: 1,
      source: 'processor',
      causationId: downloaded.id,
      data: { rowsWritten: 0, spreadsheetId: 'sheet-pending', sheetName: '로우데이터' },
    });
    expect(bus.published.filter((e) => e.importId === importId && e.source === 'processor')).toHaveLength(1);
    expect(bus.published.some((e) => e.type === 'RowsProcessed' && e.importId === importId)).toBe(false);
  });

  it('builds the rows in the layout the import asked for (ImportRequested v2)', async () => {
    const blobs = postgresBlobStore(pool);
    const file = await blobs.put(
      'raw/test-layout/AD/2026-11-10',
      Buffer.from(`${adLine(customerId)}\n${adLine(customerId, 'nad-a001-01-000000000000002')}\n`),
      'text/tab-separated-values',
    );
    const importId = crypto.randomUUID();
    const layout = {
      version: 1 as const,
      dimensions: ['date' as const, 'device' as const],
      metrics: ['impressions' as const, 'clicks' as const],
      ids: false,
      granularity: 'day' as const,
      language: 'en' as const,
      vatBasis: 'as-reported' as const,
    };
    await bus.publish([requestedV2({ importId, customerId }, layout)]);
    await bus.publish([
      downloadedV3(
        { importId, customerId },
        {
          reports: [
            {
              reportType: 'AD',
              statDate: '2026-11-10',
              outcome: 'built',
              source: 'naver',
              generatedAt: new Date().toISOString(),
              file,
              rows: 2,
            },
          ],
          pending: [],
        },
      ),
    ]);
    const processed = await until('RowsProcessed', () =>
      bus.published.find((e) => e.type === 'RowsProcessed' && e.importId === importId),
    );
    // Two ads of one device on one date are one row of date × device: 120 + 120 impressions, 7 + 7 clicks.
    expect(processed).toMatchObject({ version: 3, data: { rowCount: 1 } });
    const data = processed.data as { columns: { key: string }[] };
    expect(data.columns.map((c) => c.key)).toEqual(['date', 'device', 'impressions', 'clicks']);
  });
});
