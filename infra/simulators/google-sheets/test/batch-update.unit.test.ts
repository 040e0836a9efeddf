import { describe, expect, it } from 'vitest';
import { fakeWithClock, valuesUrl } from './fake-client.ts';

function seeded() {
  const fake = fakeWithClock();
  fake.state.seedSpreadsheet({
    spreadsheetId: 'ss1',
    sheets: [{ title: 'Data', values: [['old']] }, { title: 'Other' }],
  });
  const batch = (requests: unknown[]) => fake.call('POST', '/v4/spreadsheets/ss1:batchUpdate', { requests });
  return { ...fake, batch };
}

describe('spreadsheets.batchUpdate', () => {
  it('applies nothing when a later subrequest fails', async () => {
    const { batch, state } = seeded();
    const res = await batch([
      { addSheet: { properties: { sheetId: 50, title: 'Stage', hidden: true } } },
      { deleteSheet: { sheetId: 0 } },
      { updateSheetProperties: { properties: { sheetId: 50, title: 'Other' }, fields: 'title' } },
    ]);
    expect(res.status).toBe(400);
    expect(res.body.error.message).toBe(
      'Invalid requests[2].updateSheetProperties: A sheet with the name "Other" already exists. Please enter another name.',
    );
    expect(state.listTabs('ss1').map((t) => t.title)).toEqual(['Data', 'Other']);
    expect(state.readTab('ss1', 'Data')).toEqual([['old']]);
  });

  it('applies subrequests in order, so a tab can be added, filled, unhidden and renamed in one batch', async () => {
    const { batch, state } = seeded();
    const res = await batch([
      {
        addSheet: {
          properties: { sheetId: 7, title: '_stage', hidden: true, gridProperties: { rowCount: 2, columnCount: 1 } },
        },
      },
      {
        updateCells: {
          start: { sheetId: 7, rowIndex: 0, columnIndex: 0 },
          rows: [
            { values: [{ userEnteredValue: { stringValue: 'date' } }] },
            { values: [{ userEnteredValue: { numberValue: 45_000 } }] },
          ],
          fields: 'userEnteredValue',
        },
      },
      {
        repeatCell: {
          range: { sheetId: 7, startRowIndex: 1, startColumnIndex: 0, endColumnIndex: 1 },
          cell: { userEnteredFormat: { numberFormat: { type: 'DATE', pattern: 'yyyy-mm-dd' } } },
          fields: 'userEnteredFormat.numberFormat',
        },
      },
      { updateSheetProperties: { properties: { sheetId: 7, hidden: false }, fields: 'hidden' } },
      { deleteSheet: { sheetId: 0 } },
      { updateSheetProperties: { properties: { sheetId: 7, title: 'Data' }, fields: 'title' } },
    ]);
    expect(res.status).toBe(200);
    expect(res.body.replies[0].addSheet.properties).toMatchObject({ sheetId: 7, title: '_stage', hidden: true });
    expect(state.listTabs('ss1')).toEqual([
      { sheetId: 1, title: 'Other', index: 0, hidden: false, rowCount: 1000, columnCount: 26 },
      { sheetId: 7, title: 'Data', index: 1, hidden: false, rowCount: 2, columnCount: 1 },
    ]);
    expect(state.cell('ss1', 'Data!A2')).toEqual({
      value: 45_000,
      numberFormat: { type: 'DATE', pattern: 'yyyy-mm-dd' },
    });
    expect(state.readTab('ss1', 'Data', 'FORMATTED_VALUE')).toEqual([['date'], ['2023-03-15']]);
  });

  it('will not leave a workbook without a visible sheet', async () => {
    const { batch } = seeded();
    const res = await batch([
      { updateSheetProperties: { properties: { sheetId: 1, hidden: true }, fields: 'hidden' } },
      { deleteSheet: { sheetId: 0 } },
    ]);
    expect(res.body.error.message).toBe(
      "Invalid requests[1].deleteSheet: You can't remove all the sheets in a document.",
    );
  });

  it('grows and shrinks grids with dimension requests', async () => {
    const { batch, state, call } = seeded();
    await call('PUT', valuesUrl('ss1', 'Data!A3'), { values: [['row3']] });
    expect(
      (
        await batch([
          { appendDimension: { sheetId: 0, dimension: 'ROWS', length: 5 } },
          { insertDimension: { range: { sheetId: 0, dimension: 'ROWS', startIndex: 0, endIndex: 2 } } },
          { deleteDimension: { range: { sheetId: 0, dimension: 'COLUMNS', startIndex: 10, endIndex: 26 } } },
        ])
      ).status,
    ).toBe(200);
    expect(state.listTabs('ss1')[0]).toMatchObject({ rowCount: 1007, columnCount: 10 });
    expect(state.readTab('ss1', 'Data')).toEqual([[], [], ['old'], [], ['row3']]);
  });

  it('names unknown grids and rejects a fields-less property update', async () => {
    const { batch } = seeded();
    expect((await batch([{ deleteSheet: { sheetId: 99 } }])).body.error.message).toBe(
      'Invalid requests[0].deleteSheet: No grid with id: 99',
    );
    expect((await batch([{ updateSheetProperties: { properties: { sheetId: 0, title: 'x' } } }])).status).toBe(400);
  });
});

describe('values', () => {
  it('stores RAW strings as text and USER_ENTERED ones as formulas', async () => {
    const { call, state } = seeded();
    await call('PUT', valuesUrl('ss1', 'Other!A1'), { values: [['=1+2', '12']] });
    await call('PUT', valuesUrl('ss1', 'Other!A2', 'valueInputOption=USER_ENTERED'), { values: [['=1+2', '12']] });
    expect(state.cell('ss1', 'Other!A1')).toEqual({ value: '=1+2' });
    expect(state.cell('ss1', 'Other!B1')).toEqual({ value: '12' });
    expect(state.cell('ss1', 'Other!A2')).toEqual({ formula: '=1+2' });
    expect(state.cell('ss1', 'Other!B2')).toEqual({ value: 12 });
  });

  it('appends after the table and INSERT_ROWS grows the grid on every call', async () => {
    const { call, state } = seeded();
    const append = () =>
      call('POST', `${valuesUrl('ss1', 'Data!A1', '')}:append?valueInputOption=RAW&insertDataOption=INSERT_ROWS`, {
        values: [['new']],
      });
    expect((await append()).body.updates.updatedRange).toBe('Data!A2');
    await append();
    expect(state.readTab('ss1', 'Data')).toEqual([['old'], ['new'], ['new']]);
    expect(state.listTabs('ss1')[0]?.rowCount).toBe(1002);
  });

  it('clears values and reads back trimmed rows', async () => {
    const { call } = seeded();
    await call('PUT', valuesUrl('ss1', 'Other!A1'), {
      values: [
        [1, 2],
        [3, 4],
      ],
    });
    await call('POST', '/v4/spreadsheets/ss1/values:batchClear', { ranges: ['Other!B1:B2'] });
    const res = await call('GET', valuesUrl('ss1', 'Other!A1:C3', 'valueRenderOption=UNFORMATTED_VALUE'));
    expect(res.body).toEqual({ range: 'Other!A1:C3', majorDimension: 'ROWS', values: [[1], [3]] });
  });
});
