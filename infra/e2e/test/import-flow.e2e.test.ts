import { randomBytes } from 'node:crypto';
import type { BlobRef } from '@reportline/contracts';
import { isolatedEnvironment } from '@reportline/dev/test-environment';
import { until } from '@reportline/dev/wait';
import { createPool, type Pool, postgresBlobStore } from '@reportline/platform';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asSheet, type Cell, sorted, expectedSheetRows as truth } from './support/naver-truth.ts';
import { call, type System, startSystem } from './system.ts';

/**
 * The walking skeleton, end to end over a real broker and real Postgres: HTTP import request → lock → NAVER
 * simulator over signed HTTP → processing → Google Sheets fake → ImportCompleted. Two users share one NAVER
 * customer id, the seeds' failure case: the simulator's request recorder is the oracle that they never overlapped.
 */
const customer = {
  customerId: '7654321',
  apiKey: `0100000000${randomBytes(6).toString('hex')}`,
  secret: randomBytes(16).toString('base64'),
  // 'small', not 'tiny': its conversion reports hold several rows per ad × media × device (by conversion method and
  // type), so the sheet only matches if the processor sums them.
  size: 'small' as const,
  seed: 11,
};
const DATES = ['2026-11-10', '2026-11-11', '2026-11-12', '2026-11-13', '2026-11-14'];

/** The processor's answer to an import and the rows it stored, read where the processor put them (outbox, blobs). */
async function processedRows(pool: Pool, importId: string) {
  const { rows } = await pool.query<{ event: { version: number; data: Record<string, unknown> & { rows: BlobRef } } }>(
    `SELECT event FROM platform.outbox WHERE service = 'processor' AND event->>'type' = 'RowsProcessed'
       AND event->>'importId' = $1`,
    [importId],
  );
  expect(rows).toHaveLength(1);
  const event = rows[0]!.event;
  const text = (await postgresBlobStore(pool).get(event.data.rows)).toString('utf8');
  const [header, ...lines] = text.split('\n').filter((l) => l !== '');
  return { event, header: JSON.parse(header!), rows: lines.map((l) => JSON.parse(l) as Cell[]) };
}
let system: System;
let schedulerUrl: string;
let lockUrl: string;
let naver: System['naver'];
let sheets: System['sheets'];

let pool: Pool;

beforeAll(async () => {
  const env = await isolatedEnvironment();
  pool = createPool(env.databaseUrl);
  system = await startSystem({
    ...env,
    naver: { customers: [customer], knobs: { reportBuildMs: 150, dataReadyHourKst: 0 } },
  });
  ({ schedulerUrl, lockUrl, naver, sheets } = system);
});

afterAll(async () => {
  await pool?.end();
  await system?.close();
});

describe('one import flowing through all five services', () => {
  it('imports NAVER reports into the sheet for two users of one customer id without overlapping NAVER use', async () => {
    const range = { from: '2026-11-10', to: '2026-11-14' };
    const imports: string[] = [];
    const targets: { spreadsheetId: string; sheetName: string }[] = [];
    for (const sheetName of ['로우데이터', 'second user']) {
      const spreadsheetId = `e2e-${randomBytes(4).toString('hex')}`;
      targets.push({ spreadsheetId, sheetName });
      await call('POST', `${sheets.url}/_fake/spreadsheets`, {
        spreadsheetId,
        title: 'e2e',
        sheets: [{ title: 'Sheet1' }],
      });
      // Its first-link import covers the range: creating the connection queued it, once NAVER accepted the keys.
      const connection = await call('POST', `${schedulerUrl}/connections`, {
        customerId: customer.customerId,
        apiKey: customer.apiKey,
        secret: customer.secret,
        reportTypes: ['AD', 'AD_CONVERSION'],
        historyDays: 5,
        spreadsheetId,
        sheetName,
        firstImportRange: range,
      });
      expect(connection.status).toBe(201);
      expect(JSON.stringify(connection.body)).not.toContain(customer.secret);
      imports.push(connection.body.firstImport.importId);
    }

    const views = await Promise.all(
      imports.map((id) =>
        until(
          `import ${id} to end`,
          async () => {
            const { body } = await call('GET', `${schedulerUrl}/imports/${id}`);
            // Steps arrive from five topics in no fixed order: wait for the write's own step too, not just the status.
            const written = body.steps?.some((s: { type: string }) => s.type === 'SheetWritten');
            return body.status === 'failed' || (body.status === 'completed' && written) ? body : undefined;
          },
          120_000,
        ),
      ),
    );
    // What the processor stored equals what NAVER reported for those dates, aggregated independently of it.
    // From the simulator's own data (support/naver-truth.ts), never from the processor's code.
    const expected = truth(customer, DATES, { nowMs: Date.now() });
    // The fixture must exercise the aggregation: some conversion rows share a sheet row, and some rows join both types.
    expect(expected.conversionLines).toBeGreaterThan(expected.conversionGroups);
    expect(expected.rows.some((r) => Number(r[9]) > 0 && Number(r[14]) > 0)).toBe(true); // clicks and conversions
    for (const id of imports) {
      const processed = await processedRows(pool, id);
      expect(processed.event).toMatchObject({
        version: 3,
        data: { rowCount: expected.rows.length, granularity: 'day', pending: [], unnamed: 0 },
      });
      expect((processed.event.data.dates as { date: string }[]).map((d) => d.date)).toEqual(DATES);
      // The default layout's Korean headers (contracts' DEFAULT_LAYOUT).
      expect(processed.header.columns.map((c: { header: string }) => c.header).join(' | ')).toBe(
        '날짜 | 캠페인 | 캠페인 ID | 광고그룹 | 광고그룹 ID | 키워드 | 키워드 ID | 기기 | 노출수 | 클릭수 | 비용(VAT포함) | 클릭률 | ' +
          '클릭당비용 | 평균순위 | 전환수 | 전환매출 | ROAS',
      );
      expect(sorted(processed.rows)).toEqual(sorted(expected.rows));
      // The row set promises rows by date (one block per date); the comparison above ignores order.
      const dates = processed.rows.map((r) => String(r[0]));
      expect(dates).toEqual([...dates].sort());
    }

    // The sheet holds exactly those rows: the writer replaced the imports' dates in place.
    for (const view of views) {
      expect(view.failure).toBeNull();
      expect(view.status).toBe('completed');
      expect(view.progress).toEqual({ completed: 10, total: 10 });
      // No LockGranted required: the fetcher serves days already in its data calendar from the store, and an import
      // whose every day is stored never asks for a lease.
      expect(view.steps.map((s: { type: string }) => s.type)).toEqual(
        expect.arrayContaining([
          'ImportRequested',
          'ChunkDownloaded',
          'ReportsDownloaded',
          'RowsProcessed',
          'SheetWritten',
          'ImportCompleted',
        ]),
      );
    }
    expect(views[0]!.rowsWritten).toBe(expected.rows.length);
    expect(views[1]!.rowsWritten).toBe(expected.rows.length);
    for (const { spreadsheetId, sheetName } of targets) {
      const [header, ...cells] = sheets.state.readTab(spreadsheetId, sheetName);
      expect(header!.slice(0, 3)).toEqual(['날짜', '캠페인', '캠페인 ID']);
      expect(sorted(cells as Cell[][])).toEqual(sorted(expected.rows.map(asSheet)));
    }
    const leased = imports.filter((_, i) =>
      (views[i]!.steps as { type: string }[]).some((s) => s.type === 'LockGranted'),
    );
    // Someone had to ask NAVER for these days the first time.
    expect(leased.length).toBeGreaterThanOrEqual(1);

    const overlaps = await call('GET', `${naver.url}/_sim/overlaps?customerId=${customer.customerId}`);
    expect(overlaps.body.overlaps).toEqual([]);
    expect(overlaps.body.unattributed).toBe(0);
    // The public lock view shows every hold (one per import that was granted a lease; an import served from the store
    // holds none; one per connection's credentials check, which NAVER answered under the lease too), released, and
    // no fencing token (those are for holders only).
    const lock = await call('GET', `${schedulerUrl}/locks/${customer.customerId}`);
    expect(lock.body.holder).toBeNull();
    expect(lock.body.history.map((h: { importId: string; endedBy: string }) => [h.importId, h.endedBy])).toEqual(
      expect.arrayContaining(leased.map((id) => [id, 'released'])),
    );
    expect(lock.body.history).toHaveLength(leased.length + targets.length);
    expect(lock.body.history.every((h: { endedBy: string }) => h.endedBy === 'released')).toBe(true);
    expect(JSON.stringify(lock.body)).not.toMatch(/token/i);
  });
});
