import type { Sheet, Spreadsheet } from './model.ts';

/** SheetProperties as Google returns them: `hidden` and frozen counts only when set. */
export function sheetProperties(sheet: Sheet) {
  const gridProperties: Record<string, number> = { rowCount: sheet.rowCount, columnCount: sheet.columnCount };
  if (sheet.frozenRowCount) gridProperties.frozenRowCount = sheet.frozenRowCount;
  if (sheet.frozenColumnCount) gridProperties.frozenColumnCount = sheet.frozenColumnCount;
  return {
    sheetId: sheet.sheetId,
    title: sheet.title,
    index: sheet.index,
    sheetType: 'GRID',
    gridProperties,
    ...(sheet.hidden ? { hidden: true } : {}),
  };
}

export function spreadsheetView(ss: Spreadsheet, baseUrl: string) {
  return {
    spreadsheetId: ss.spreadsheetId,
    properties: {
      title: ss.title,
      locale: ss.locale,
      autoRecalc: 'ON_CHANGE',
      timeZone: ss.timeZone,
    },
    sheets: ss.sheets.map((s) => ({ properties: sheetProperties(s) })),
    spreadsheetUrl: `${baseUrl}/spreadsheets/d/${ss.spreadsheetId}/edit`,
  };
}
