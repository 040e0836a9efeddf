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

/** The Spreadsheet resource; `sheets` as spreadsheets.get was asked for them (properties of every tab by default). */
export function spreadsheetView(
  ss: Spreadsheet,
  baseUrl: string,
  sheets: unknown[] = ss.sheets.map((s) => ({ properties: sheetProperties(s) })),
) {
  return {
    spreadsheetId: ss.spreadsheetId,
    properties: {
      title: ss.title,
      locale: ss.locale,
      autoRecalc: 'ON_CHANGE',
      timeZone: ss.timeZone,
    },
    sheets,
    spreadsheetUrl: `${baseUrl}/spreadsheets/d/${ss.spreadsheetId}/edit`,
  };
}

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch] ?? ch);

/**
 * A read-only page of the spreadsheet for demos: every tab (hidden ones marked, with their sheetId and grid size),
 * values as a user would see them (`render` is the fake's FORMATTED_VALUE reader, passed in to keep views free of the
 * values module). Long tabs are cut at `maxRows`.
 */
export function spreadsheetHtml(
  ss: Spreadsheet,
  render: (title: string) => Array<Array<string | number | boolean>>,
  maxRows = 200,
): string {
  const tabs = ss.sheets.map((s) => {
    const values = render(s.title);
    const shown = values.slice(0, maxRows);
    const body = shown
      .map((row, r) => `<tr><th>${r + 1}</th>${row.map((v) => `<td>${escapeHtml(String(v))}</td>`).join('')}</tr>`)
      .join('\n');
    const more = values.length > maxRows ? `<p>… ${values.length - maxRows} more rows</p>` : '';
    const flags = s.hidden ? ' <em>(hidden)</em>' : '';
    return (
      `<section><h2>${escapeHtml(s.title)}${flags}</h2>` +
      `<p>sheetId ${s.sheetId} · index ${s.index} · grid ${s.rowCount} × ${s.columnCount}</p>` +
      `<table>${body}</table>${more}</section>`
    );
  });
  return [
    '<!doctype html><html><head><meta charset="utf-8">',
    `<title>${escapeHtml(ss.title)} — sheets fake</title>`,
    '<style>body{font-family:sans-serif}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 6px;',
    'font-size:12px}th{background:#f3f3f3}em{color:#888}</style></head><body>',
    `<h1>${escapeHtml(ss.title)} <small>${escapeHtml(ss.spreadsheetId)}</small></h1>`,
    ...tabs,
    '</body></html>',
  ].join('\n');
}
