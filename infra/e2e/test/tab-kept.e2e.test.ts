import { randomBytes } from 'node:crypto';
import { isolatedEnvironment } from '@reportline/dev/test-environment';
import { until } from '@reportline/dev/wait';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, connect, type System, startSystem } from './system.ts';

/**
 * Through all five services: a second import of part of a connection's dates replaces those dates inside the user's
 * tab. The tab keeps its sheetId, a summary formula on another tab keeps pointing at it, and every other date keeps
 * its rows.
 */
const customer = {
  customerId: '6600002',
  apiKey: `0100000000${randomBytes(6).toString('hex')}`,
  secret: randomBytes(16).toString('base64'),
  size: 'tiny' as const,
  seed: 22,
};
const TAB = '로우데이터';
const SUMMARY = "=SUM('로우데이터'!K:K)";
let system: System;

beforeAll(async () => {
  const env = await isolatedEnvironment();
  system = await startSystem({
    kafkaBrokers: env.kafkaBrokers,
    databaseUrl: env.databaseUrl,
    naver: { customers: [customer], knobs: { dataReadyHourKst: 0 } },
  });
});

afterAll(async () => {
  await system?.close();
});

async function importRange(connectionId: string, from: string, to: string) {
  const requested = await call('POST', `${system.schedulerUrl}/imports`, { connectionId, dateRange: { from, to } });
  expect(requested.status).toBe(202);
  return follow(requested.body.importId, `import ${from}..${to}`);
}

async function follow(importId: string, what: string) {
  return until(
    `${what} to end`,
    async () => {
      const { body } = await call('GET', `${system.schedulerUrl}/imports/${importId}`);
      const written = body.steps?.some((s: { type: string }) => s.type === 'SheetWritten');
      return body.status === 'failed' || (body.status === 'completed' && written) ? body : undefined;
    },
    120_000,
  );
}

describe('a partial re-import through the whole system', () => {
  it('replaces its dates inside the tab and keeps the tab, its references and every other date', async () => {
    const range = { from: '2026-11-10', to: '2026-11-14' };
    const { connectionId, spreadsheetId, firstImportId } = await connect(system, customer, TAB, ['AD'], range);
    const first = await follow(firstImportId, 'the first-link import');
    expect(first.failure).toBeNull();
    const state = system.sheets.state;
    const tab = () => state.listTabs(spreadsheetId).find((t) => t.title === TAB);
    const sheetId = tab()?.sheetId;
    // The user adds a summary tab pointing at the report tab.
    const summary = await call('POST', `${system.sheets.url}/v4/spreadsheets/${spreadsheetId}:batchUpdate`, {
      requests: [
        { addSheet: { properties: { sheetId: 4242, title: 'Summary' } } },
        {
          updateCells: {
            start: { sheetId: 4242, rowIndex: 0, columnIndex: 0 },
            rows: [{ values: [{ userEnteredValue: { formulaValue: SUMMARY } }] }],
            fields: 'userEnteredValue',
          },
        },
      ],
    });
    expect(summary.status).toBe(200);
    const before = state.readTab(spreadsheetId, TAB);
    const serialOf = (iso: string) => (Date.parse(`${iso}T00:00:00Z`) - Date.UTC(1899, 11, 30)) / 86_400_000;
    const middle = [serialOf('2026-11-12'), serialOf('2026-11-13')];

    const second = await importRange(connectionId, '2026-11-12', '2026-11-13');
    expect(second.failure).toBeNull();
    expect(second.sheet?.writtenDates).toEqual(['2026-11-12', '2026-11-13']);

    const after = state.readTab(spreadsheetId, TAB);
    // NAVER's data did not change between the imports, so the tab reads the same, row for row.
    expect(after).toEqual(before);
    expect(after.filter((r) => middle.includes(Number(r[0]))).length).toBeGreaterThan(0);
    expect(tab()?.sheetId).toBe(sheetId);
    expect(state.cell(spreadsheetId, "'Summary'!A1")?.formula).toBe(SUMMARY);
    expect(state.readTab(spreadsheetId, 'Summary', 'FORMATTED_VALUE')[0]?.[0]).not.toBe('#REF!');
  });
});
