import { describe, expect, it } from 'vitest';
import { fakeWithClock } from './fake-client.ts';

/** A workbook like a user's: the report tab, and a summary tab whose formula points at it. */
function workbook() {
  const fake = fakeWithClock();
  fake.state.seedSpreadsheet({
    spreadsheetId: 'ss1',
    sheets: [
      {
        title: '로우데이터',
        sheetId: 11,
        rowCount: 4,
        columnCount: 2,
        values: [
          ['date', 'cost'],
          [46000, 10],
          [46001, 20],
        ],
      },
      { title: 'Summary', sheetId: 22, rowCount: 2, columnCount: 2 },
    ],
  });
  const batch = (requests: unknown[]) => fake.call('POST', '/v4/spreadsheets/ss1:batchUpdate', { requests });
  const summary = () => fake.state.readTab('ss1', 'Summary', 'FORMATTED_VALUE')[0]?.[0];
  const formula = () => fake.state.cell('ss1', "'Summary'!A1")?.formula;
  return { ...fake, batch, summary, formula };
}

const sumFormula = {
  updateCells: {
    start: { sheetId: 22, rowIndex: 0, columnIndex: 0 },
    rows: [{ values: [{ userEnteredValue: { formulaValue: "=SUM('로우데이터'!B:B)" } }] }],
    fields: 'userEnteredValue',
  },
};

describe('references to a tab', () => {
  it('given a formula on another tab, when the tab it points at is deleted, then it shows #REF! for good', async () => {
    const { batch, summary, formula } = workbook();
    await batch([sumFormula]);
    expect(summary()).toBe("=SUM('로우데이터'!B:B)");

    const res = await batch([
      { addSheet: { properties: { sheetId: 33, title: 'stage' } } },
      { deleteSheet: { sheetId: 11 } },
      { updateSheetProperties: { properties: { sheetId: 33, title: '로우데이터' }, fields: 'title' } },
    ]);

    expect(res.status).toBe(200);
    expect(summary()).toBe('#REF!');
    expect(formula()).toBe('=SUM(#REF!)');
  });

  it('given a formula on another tab, when the tab is renamed, then the formula follows it', async () => {
    const { batch, formula } = workbook();
    await batch([sumFormula]);
    await batch([{ updateSheetProperties: { properties: { sheetId: 11, title: 'Raw' }, fields: 'title' } }]);
    expect(formula()).toBe("=SUM('Raw'!B:B)");
  });
});

describe('row edits inside a tab', () => {
  it('inserts rows that take the formats of the row before, and pastes values only under PASTE_VALUES', async () => {
    const { batch, state } = workbook();
    const res = await batch([
      {
        repeatCell: {
          range: { sheetId: 11, startRowIndex: 1, endRowIndex: 3, startColumnIndex: 0, endColumnIndex: 1 },
          cell: { userEnteredFormat: { numberFormat: { type: 'DATE', pattern: 'yyyy-mm-dd' } } },
          fields: 'userEnteredFormat.numberFormat',
        },
      },
      { addSheet: { properties: { sheetId: 44, title: 'stage', gridProperties: { rowCount: 1, columnCount: 2 } } } },
      {
        updateCells: {
          start: { sheetId: 44, rowIndex: 0, columnIndex: 0 },
          rows: [{ values: [{ userEnteredValue: { numberValue: 46002 } }, { userEnteredValue: { numberValue: 30 } }] }],
          fields: 'userEnteredValue',
        },
      },
      {
        insertDimension: {
          range: { sheetId: 11, dimension: 'ROWS', startIndex: 3, endIndex: 4 },
          inheritFromBefore: true,
        },
      },
      {
        copyPaste: {
          source: { sheetId: 44, startRowIndex: 0, endRowIndex: 1, startColumnIndex: 0, endColumnIndex: 2 },
          destination: { sheetId: 11, startRowIndex: 3, endRowIndex: 4, startColumnIndex: 0, endColumnIndex: 2 },
          pasteType: 'PASTE_VALUES',
        },
      },
      { deleteSheet: { sheetId: 44 } },
    ]);
    expect(res.status).toBe(200);
    expect(state.readTab('ss1', '로우데이터', 'FORMATTED_VALUE')).toEqual([
      ['date', 'cost'],
      ['2025-12-09', '10'],
      ['2025-12-10', '20'],
      ['2025-12-11', '30'],
    ]);
    expect(state.listTabs('ss1').find((t) => t.title === '로우데이터')).toMatchObject({ sheetId: 11, rowCount: 5 });
  });

  it('rejects a paste past the grid, as Google does, and applies nothing of the batch', async () => {
    const { batch, state } = workbook();
    const res = await batch([
      { deleteDimension: { range: { sheetId: 11, dimension: 'ROWS', startIndex: 1, endIndex: 2 } } },
      {
        copyPaste: {
          source: { sheetId: 11, startRowIndex: 0, endRowIndex: 3, startColumnIndex: 0, endColumnIndex: 2 },
          destination: { sheetId: 22, startRowIndex: 0, endRowIndex: 1, startColumnIndex: 0, endColumnIndex: 1 },
        },
      },
    ]);
    expect(res.status).toBe(400);
    expect(res.body.error.message).toContain('exceeds grid limits. Max rows: 2, max columns: 2');
    expect(state.readTab('ss1', '로우데이터')).toHaveLength(3);
  });

  it('refuses to delete every non-frozen row, as Sheets does', async () => {
    const { batch } = workbook();
    await batch([
      {
        updateSheetProperties: {
          properties: { sheetId: 11, gridProperties: { frozenRowCount: 1 } },
          fields: 'gridProperties.frozenRowCount',
        },
      },
    ]);
    const res = await batch([
      { deleteDimension: { range: { sheetId: 11, dimension: 'ROWS', startIndex: 1, endIndex: 4 } } },
    ]);
    expect(res.status).toBe(400);
    expect(res.body.error.message).toBe(
      'Invalid requests[0].deleteDimension: Sorry, it is not possible to delete all non-frozen rows.',
    );
    expect(
      (await batch([{ deleteDimension: { range: { sheetId: 11, dimension: 'ROWS', startIndex: 1, endIndex: 3 } } }]))
        .status,
    ).toBe(200);
  });

  it('appendCells writes after the last row with data and grows the grid when needed', async () => {
    const { batch, state } = workbook();
    const row = (n: number) => ({ values: [{ userEnteredValue: { numberValue: n } }] });
    const res = await batch([
      { appendCells: { sheetId: 11, rows: [row(1), row(2), row(3)], fields: 'userEnteredValue' } },
    ]);
    expect(res.status).toBe(200);
    expect(state.readTab('ss1', '로우데이터').map((r) => r[0])).toEqual(['date', 46000, 46001, 1, 2, 3]);
    expect(state.listTabs('ss1')[0]?.rowCount).toBe(6);
  });
});

describe('GET /_fake/spreadsheets/:id', () => {
  it('shows every tab as a read-only HTML page, hidden tabs marked, values as a user sees them, text escaped', async () => {
    const { app, state, batch } = workbook();
    state.seedSpreadsheet({ spreadsheetId: 'ss2', sheets: [{ title: 'A', values: [['<b>x</b>']] }] });
    await batch([sumFormula, { deleteSheet: { sheetId: 11 } }]);
    const page = await app.inject({ method: 'GET', url: '/_fake/spreadsheets/ss1' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.body).toContain('<h2>Summary</h2>');
    expect(page.body).toContain('sheetId 22');
    expect(page.body).toContain('<td>#REF!</td>');
    const other = await app.inject({ method: 'GET', url: '/_fake/spreadsheets/ss2' });
    expect(other.body).toContain('&lt;b&gt;x&lt;/b&gt;');
    expect((await app.inject({ method: 'GET', url: '/_fake/spreadsheets/nope' })).statusCode).toBe(404);
  });
});
