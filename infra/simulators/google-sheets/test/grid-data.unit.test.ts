import { describe, expect, it } from 'vitest';
import { applyFieldMask, parseFieldMask } from '../src/field-mask.ts';
import { fakeWithClock } from './fake-client.ts';

function seeded() {
  const fake = fakeWithClock();
  fake.state.seedSpreadsheet({
    spreadsheetId: 'ss1',
    sheets: [
      { title: 'Summary', sheetId: 1, values: [['total']] },
      {
        title: '로우데이터',
        sheetId: 2,
        rowCount: 10,
        columnCount: 3,
        values: [['date', 'kw'], [45_291, 'a'], [], ['x']],
      },
      { title: '_meta', sheetId: 3, hidden: true, rowCount: 2, columnCount: 2, values: [['h1', 'h2']] },
    ],
  });
  const get = (query: string) => fake.call('GET', `/v4/spreadsheets/ss1?${query}`);
  return { ...fake, get };
}
const ranges = (...rs: string[]) => rs.map((r) => `ranges=${encodeURIComponent(r)}`).join('&');

describe('field masks (the fields parameter)', () => {
  it('keeps only the named members, through lists, with both path separators and sub-selections', () => {
    // Given a response with lists of objects
    const response = {
      spreadsheetId: 'x',
      properties: { title: 't' },
      sheets: [
        { properties: { sheetId: 1, title: 'a', index: 0 }, data: [{ startRow: 1, rowMetadata: [{}] }] },
        { properties: { sheetId: 2, title: 'b', index: 1 } },
      ],
    };
    // When it is trimmed by a mask mixing `.`, `/` and parentheses
    const trimmed = applyFieldMask(response, parseFieldMask('spreadsheetId,sheets(properties/sheetId,data.startRow)'));
    // Then only those members are left, in every element of the list
    expect(trimmed).toEqual({
      spreadsheetId: 'x',
      sheets: [{ properties: { sheetId: 1 }, data: [{ startRow: 1 }] }, { properties: { sheetId: 2 } }],
    });
  });

  it('keeps a member whole once any selection names it whole, and everything under *', () => {
    const tree = parseFieldMask('sheets.properties.title,sheets.properties,other(*)');
    expect(
      applyFieldMask({ sheets: [{ properties: { title: 'a', index: 3 }, data: [] }], other: { a: 1 } }, tree),
    ).toEqual({ sheets: [{ properties: { title: 'a', index: 3 } }], other: { a: 1 } });
  });

  it('refuses a mask it cannot parse', () => {
    expect(() => parseFieldMask('sheets(properties')).toThrow(/Invalid field selection/);
    expect(() => parseFieldMask('a,,b')).toThrow(/Invalid field selection/);
  });
});

describe('spreadsheets.get with ranges and grid data', () => {
  it('lists only the tabs the ranges touch, in the spreadsheet order, and no cells by default', async () => {
    // Given three tabs
    const { get } = seeded();
    // When two of them are asked for (the later tab first)
    const res = await get(ranges("'_meta'!A1:B", "'로우데이터'!A2:A"));
    // Then the response holds those two, in tab order, without data
    expect(res.status).toBe(200);
    expect(res.body.sheets.map((s: { properties: { title: string } }) => s.properties.title)).toEqual([
      '로우데이터',
      '_meta',
    ]);
    expect(res.body.sheets[0].data).toBeUndefined();
  });

  it('returns one GridData per range, from its start row, ending at the last row with content', async () => {
    // Given a tab whose column A holds a date serial, an empty row and text, in a 10-row grid
    const { get } = seeded();
    // When its column A from row 2 and the header row are asked for with includeGridData
    const res = await get(`${ranges("'로우데이터'!A2:A", "'로우데이터'!A1:C1")}&includeGridData=true`);
    // Then the first block starts at row index 1 and stops at row 4 (the last one with content): 3 rows, the empty
    // one as an empty RowData; its metadata spans the 9 rows of the range inside the grid
    const [first, second] = res.body.sheets[0].data;
    expect(first.startRow).toBe(1);
    expect(first.startColumn).toBeUndefined();
    expect(first.rowData).toEqual([
      {
        values: [
          {
            userEnteredValue: { numberValue: 45_291 },
            effectiveValue: { numberValue: 45_291 },
            formattedValue: '45291',
          },
        ],
      },
      {},
      {
        values: [{ userEnteredValue: { stringValue: 'x' }, effectiveValue: { stringValue: 'x' }, formattedValue: 'x' }],
      },
    ]);
    expect(first.rowMetadata).toHaveLength(9);
    expect(first.columnMetadata).toHaveLength(1);
    // And the second block, the header, is 2 cells (the third column is empty) from row 0
    expect(second.startRow).toBeUndefined();
    expect(second.rowData[0].values.map((v: { effectiveValue: unknown }) => v.effectiveValue)).toEqual([
      { stringValue: 'date' },
      { stringValue: 'kw' },
    ]);
  });

  it('takes grid data from the field mask alone, which trims the response', async () => {
    const { get } = seeded();
    const mask =
      'spreadsheetId,sheets(properties(sheetId,title,gridProperties),data(startRow,rowData.values.effectiveValue))';
    // When a mask names the cells, without includeGridData
    const res = await get(`${ranges("'_meta'!A1:B")}&fields=${encodeURIComponent(mask)}`);
    // Then exactly the masked members come back
    expect(res.body).toEqual({
      spreadsheetId: 'ss1',
      sheets: [
        {
          properties: { sheetId: 3, title: '_meta', gridProperties: { rowCount: 2, columnCount: 2 } },
          data: [
            {
              rowData: [
                { values: [{ effectiveValue: { stringValue: 'h1' } }, { effectiveValue: { stringValue: 'h2' } }] },
              ],
            },
          ],
        },
      ],
    });
    // And a mask without cells returns none even with includeGridData=true
    const bare = await get(
      `${ranges("'_meta'!A1:B")}&includeGridData=true&fields=${encodeURIComponent('sheets.properties.title')}`,
    );
    expect(bare.body).toEqual({ sheets: [{ properties: { title: '_meta' } }] });
  });

  it('leaves out rowData of a range with no content, and shows a formula and a date format as Google stores them', async () => {
    const fake = fakeWithClock();
    fake.state.seedSpreadsheet({ spreadsheetId: 's', sheets: [{ title: 'T', rowCount: 3, columnCount: 2 }] });
    await fake.call('PUT', `/v4/spreadsheets/s/values/${encodeURIComponent('T!A1')}?valueInputOption=USER_ENTERED`, {
      values: [['=SUM(B:B)', '2024-01-02']],
    });
    const res = await fake.call('GET', `/v4/spreadsheets/s?${ranges('T!A1:B1', 'T!A3:B3')}&includeGridData=true`);
    const [row, empty] = res.body.sheets[0].data;
    expect(row.rowData[0].values).toEqual([
      {
        userEnteredValue: { formulaValue: '=SUM(B:B)' },
        effectiveValue: { stringValue: '=SUM(B:B)' },
        formattedValue: '=SUM(B:B)',
      },
      {
        userEnteredValue: { numberValue: 45_293 },
        effectiveValue: { numberValue: 45_293 },
        formattedValue: '2024-01-02',
        userEnteredFormat: { numberFormat: { type: 'DATE', pattern: 'yyyy-mm-dd' } },
      },
    ]);
    expect(empty.startRow).toBe(2);
    expect(empty.rowData).toBeUndefined();
  });

  it("answers a range of a tab that does not exist with Google's 400, and without ranges lists every tab", async () => {
    const { get } = seeded();
    const missing = await get(ranges("'Gone'!A1:A"));
    expect(missing.status).toBe(400);
    expect(missing.body.error.message).toBe("Unable to parse range: 'Gone'!A1:A");
    const all = await get('fields=sheets.properties.sheetId');
    expect(all.body).toEqual({
      sheets: [{ properties: { sheetId: 1 } }, { properties: { sheetId: 2 } }, { properties: { sheetId: 3 } }],
    });
  });

  it('trims a batchUpdate response by its field mask too', async () => {
    const { call } = seeded();
    const res = await call(
      'POST',
      `/v4/spreadsheets/ss1:batchUpdate?fields=${encodeURIComponent('updatedSpreadsheet.sheets.properties.title')}`,
      {
        requests: [{ deleteSheet: { sheetId: 1 } }],
        includeSpreadsheetInResponse: true,
      },
    );
    expect(res.body).toEqual({
      updatedSpreadsheet: { sheets: [{ properties: { title: '로우데이터' } }, { properties: { title: '_meta' } }] },
    });
  });
});
