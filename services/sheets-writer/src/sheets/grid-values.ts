import type { sheets_v4 } from '@googleapis/sheets';

/**
 * A GridData block of spreadsheets.get as the rows values.get answers with UNFORMATTED_VALUE: each cell's effective
 * value (numbers as numbers, dates as serials, text, booleans; an error cell as its error type, e.g. `#REF!`), empty
 * cells as '', trailing empty cells and rows dropped. So the write protocol reads the same values whichever call
 * brought them.
 */
export function gridValues(data: sheets_v4.Schema$GridData | undefined): unknown[][] {
  const rows = (data?.rowData ?? []).map((row) => {
    const values = (row.values ?? []).map((cell) => scalarOf(cell.effectiveValue));
    while (values.length > 0 && values[values.length - 1] === '') values.pop();
    return values;
  });
  while (rows.length > 0 && rows[rows.length - 1]!.length === 0) rows.pop();
  return rows;
}

function scalarOf(v: sheets_v4.Schema$ExtendedValue | undefined): unknown {
  if (!v) return '';
  if (typeof v.numberValue === 'number') return v.numberValue;
  if (typeof v.stringValue === 'string') return v.stringValue;
  if (typeof v.boolValue === 'boolean') return v.boolValue;
  if (v.errorValue) return ERROR_TEXT[v.errorValue.type ?? 'ERROR'] ?? '#ERROR!';
  return '';
}

/** How values.get shows an error cell (ErrorValue.type → the text a user sees). */
const ERROR_TEXT: Record<string, string> = {
  ERROR: '#ERROR!',
  NULL_VALUE: '#NULL!',
  DIVIDE_BY_ZERO: '#DIV/0!',
  VALUE: '#VALUE!',
  REF: '#REF!',
  NAME: '#NAME?',
  NUM: '#NUM!',
  N_A: '#N/A',
  LOADING: 'Loading...',
};
