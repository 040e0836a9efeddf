import { describe, expect, it } from 'vitest';
import { fakeWithClock, valuesUrl } from './fake-client.ts';

function seeded() {
  const fake = fakeWithClock();
  fake.state.seedSpreadsheet({ spreadsheetId: 'ss1', sheets: [{ title: 'Sheet1' }] });
  return fake;
}

describe('grid and workbook limits', () => {
  it("rejects a write past the grid with Google's message", async () => {
    const { call } = seeded();
    const res = await call('PUT', valuesUrl('ss1', 'Sheet1!A1001'), { values: [['a', 'b']] });
    expect(res).toEqual({
      status: 400,
      body: {
        error: {
          code: 400,
          message: "Range ('Sheet1'!A1001:B1001) exceeds grid limits. Max rows: 1000, max columns: 26",
          status: 'INVALID_ARGUMENT',
        },
      },
    });
  });

  it('rejects data that overflows a bounded range', async () => {
    const { call } = seeded();
    const res = await call('PUT', valuesUrl('ss1', 'Sheet1!A1:B1'), { values: [['a', 'b', 'c']] });
    expect(res.body.error.message).toBe(
      "Requested writing within range ['Sheet1'!A1:B1], but tried writing to column [C]",
    );
  });

  it('rejects growing the workbook past 10,000,000 cells with the message from the sheet', async () => {
    const { call, state } = seeded();
    const res = await call('POST', '/v4/spreadsheets/ss1:batchUpdate', {
      requests: [
        {
          updateSheetProperties: {
            properties: { sheetId: 0, gridProperties: { rowCount: 400_000 } },
            fields: 'gridProperties.rowCount',
          },
        },
      ],
    });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toBe(
      'Invalid requests[0].updateSheetProperties: This action would increase the number of cells in the workbook above the limit of 10000000 cells.',
    );
    expect(state.totalCells('ss1')).toBe(26_000);
  });

  it('counts every tab of the workbook, empty cells included', async () => {
    const { call } = seeded();
    const grow = (rows: number) => ({
      requests: [
        { addSheet: { properties: { title: `T${rows}`, gridProperties: { rowCount: rows, columnCount: 10 } } } },
      ],
    });
    expect((await call('POST', '/v4/spreadsheets/ss1:batchUpdate', grow(997_400))).status).toBe(200);
    const res = await call('POST', '/v4/spreadsheets/ss1:batchUpdate', grow(1));
    expect(res.body.error.message).toBe(
      'Invalid requests[0].addSheet: This action would increase the number of cells in the workbook above the limit of 10000000 cells.',
    );
  });

  it('rejects payloads over 10 MiB', async () => {
    const { call } = seeded();
    const big = 'x'.repeat(40_000);
    const values = Array.from({ length: 270 }, () => [big]);
    const res = await call('PUT', valuesUrl('ss1', 'Sheet1!A1'), { values });
    expect(res.body).toEqual({
      error: {
        code: 400,
        message: 'Request payload size exceeds the limit: 10485760 bytes.',
        status: 'INVALID_ARGUMENT',
      },
    });
  });

  it('rejects a cell over 50,000 characters', async () => {
    const { call } = seeded();
    const res = await call('PUT', valuesUrl('ss1', 'Sheet1!A1'), { values: [['y'.repeat(50_001)]] });
    expect(res.body.error.message).toBe(
      'Your input contains more than the maximum of 50000 characters in a single cell.',
    );
  });

  it('answers unknown tabs and spreadsheets like Google', async () => {
    const { call } = seeded();
    expect((await call('GET', valuesUrl('ss1', 'Nope!A1', ''))).body.error.message).toBe(
      'Unable to parse range: Nope!A1',
    );
    expect((await call('GET', '/v4/spreadsheets/missing')).body).toEqual({
      error: { code: 404, message: 'Requested entity was not found.', status: 'NOT_FOUND' },
    });
  });

  it('requires valueInputOption on writes', async () => {
    const { call } = seeded();
    const res = await call('PUT', valuesUrl('ss1', 'Sheet1!A1', ''), { values: [['a']] });
    expect(res.body.error.message).toBe("'valueInputOption' is required but not specified");
  });
});
