import { randomBytes } from 'node:crypto';
import { isolatedEnvironment } from '@reportline/dev/test-environment';
import { until } from '@reportline/dev/wait';
import { entitiesFor, statRows } from '@reportline/naver-simulator';
import { buildRows } from '@reportline/processor/domain/rows';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
  size: 'tiny' as const,
  seed: 11,
};
let system: System;
let schedulerUrl: string;
let lockUrl: string;
let naver: System['naver'];
let sheets: System['sheets'];

beforeAll(async () => {
  const env = await isolatedEnvironment();
  system = await startSystem({
    ...env,
    naver: { customers: [customer], knobs: { reportBuildMs: 150, dataReadyHourKst: 0 } },
  });
  ({ schedulerUrl, lockUrl, naver, sheets } = system);
});

afterAll(() => system?.close());

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
      const connection = await call('POST', `${schedulerUrl}/connections`, {
        customerId: customer.customerId,
        apiKey: customer.apiKey,
        secret: customer.secret,
        reportTypes: ['AD', 'AD_CONVERSION'],
        historyDays: 5,
        spreadsheetId,
        sheetName,
      });
      expect(connection.status).toBe(201);
      expect(JSON.stringify(connection.body)).not.toContain(customer.secret);
      const requested = await call('POST', `${schedulerUrl}/imports`, {
        connectionId: connection.body.id,
        dateRange: range,
      });
      expect(requested.status).toBe(202);
      imports.push(requested.body.importId);
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
    for (const view of views) {
      expect(view.failure).toBeNull();
      expect(view.status).toBe('completed');
      expect(view.progress).toEqual({ completed: 10, total: 10 });
      expect(view.steps.map((s: { type: string }) => s.type)).toEqual(
        expect.arrayContaining([
          'ImportRequested',
          'LockGranted',
          'ChunkDownloaded',
          'ReportsDownloaded',
          'RowsProcessed',
          'SheetWritten',
          'ImportCompleted',
        ]),
      );
    }

    // What the sheet holds equals what NAVER reported for those dates.
    const entities = entitiesFor(customer.customerId, customer.seed, customer.size);
    const files = ['AD', 'AD_CONVERSION'].flatMap((type) =>
      ['2026-11-10', '2026-11-11', '2026-11-12', '2026-11-13', '2026-11-14'].map((date) => ({
        reportType: type as 'AD' | 'AD_CONVERSION',
        statDate: date,
        name: `${type} ${date}`,
        text: statRows(type as 'AD', entities, customer.seed, date)
          .map((r) => r.join('\t'))
          .join('\n'),
      })),
    );
    const expected = buildRows(files);
    expect(expected.length).toBeGreaterThan(0);
    expect(views[0]!.rowsWritten).toBe(expected.length);
    expect(views[1]!.rowsWritten).toBe(expected.length);
    const serial = (date: string) =>
      Math.round((Date.parse(`${date}T00:00:00Z`) - Date.UTC(1899, 11, 30)) / 86_400_000);
    for (const { spreadsheetId, sheetName } of targets) {
      const [header, ...cells] = sheets.state.readTab(spreadsheetId, sheetName);
      expect(header?.[0]).toBe('date');
      expect(cells).toEqual(expected.map(([date, ...rest]) => [serial(date), ...rest]));
    }

    const overlaps = await call('GET', `${naver.url}/_sim/overlaps?customerId=${customer.customerId}`);
    expect(overlaps.body.overlaps).toEqual([]);
    expect(overlaps.body.unattributed).toBe(0);
    // The public lock view shows both holds, released, and no fencing token (those are for holders only).
    const lock = await call('GET', `${lockUrl}/locks/${customer.customerId}`);
    expect(lock.body.holder).toBeNull();
    expect(lock.body.history.map((h: { importId: string; endedBy: string }) => [h.importId, h.endedBy])).toEqual(
      expect.arrayContaining([
        [imports[0], 'released'],
        [imports[1], 'released'],
      ]),
    );
    expect(lock.body.history).toHaveLength(2);
    expect(JSON.stringify(lock.body)).not.toMatch(/token/i);
  });
});
