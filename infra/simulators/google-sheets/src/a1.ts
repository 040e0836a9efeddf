/**
 * A1 notation as Sheets accepts it: `Sheet1!A1:B2`, `'로우''데이터'!A1:C3` (quotes doubled inside quoted names),
 * whole columns `A:B`, whole rows `1:2`, open-ended `A5:B`, a bare sheet name, or a bare range on the first sheet.
 * Indexes are 0-based and end-exclusive like a GridRange; `undefined` means unbounded.
 */
export interface A1Range {
  sheetName: string | undefined;
  startRow: number | undefined;
  endRow: number | undefined;
  startCol: number | undefined;
  endCol: number | undefined;
  /** Written as one cell (`A1`): writes treat it as an anchor and may extend past it, as Sheets does. */
  singleCell: boolean;
}

export class A1ParseError extends Error {
  override name = 'A1ParseError';
}

const MAX_COLUMNS = 18_278;
const ENDPOINT = /^([A-Za-z]{0,3})(\d*)$/;

export function parseA1(input: string): A1Range {
  const { sheetName, ref } = splitSheet(input);
  if (ref === undefined) {
    return {
      sheetName,
      startRow: undefined,
      endRow: undefined,
      startCol: undefined,
      endCol: undefined,
      singleCell: false,
    };
  }
  const grid = parseRef(ref);
  if (!grid) throw new A1ParseError(`Unable to parse range: ${input}`);
  return { sheetName, ...grid };
}

function splitSheet(input: string): { sheetName: string | undefined; ref: string | undefined } {
  if (input.startsWith("'")) {
    let name = '';
    let i = 1;
    for (; i < input.length; i++) {
      const ch = input[i];
      if (ch === "'") {
        if (input[i + 1] === "'") {
          name += "'";
          i++;
          continue;
        }
        break;
      }
      name += ch;
    }
    if (i >= input.length || name === '') throw new A1ParseError(`Unable to parse range: ${input}`);
    const rest = input.slice(i + 1);
    if (rest === '') return { sheetName: name, ref: undefined };
    if (!rest.startsWith('!') || rest.length === 1) throw new A1ParseError(`Unable to parse range: ${input}`);
    return { sheetName: name, ref: rest.slice(1) };
  }
  const bang = input.lastIndexOf('!');
  if (bang >= 0) {
    const name = input.slice(0, bang);
    const ref = input.slice(bang + 1);
    if (name === '' || ref === '') throw new A1ParseError(`Unable to parse range: ${input}`);
    return { sheetName: name, ref };
  }
  if (input === '') throw new A1ParseError('Unable to parse range: ');
  // Without `!`, Sheets reads a valid reference as a range on the first sheet, anything else as a sheet name.
  return parseRef(input) ? { sheetName: undefined, ref: input } : { sheetName: input, ref: undefined };
}

interface Endpoint {
  col: number | undefined;
  row: number | undefined;
}

function parseEndpoint(text: string): Endpoint | undefined {
  const m = ENDPOINT.exec(text);
  if (!m || text === '') return undefined;
  const letters = m[1] ?? '';
  const digits = m[2] ?? '';
  const col = letters === '' ? undefined : columnIndex(letters);
  const row = digits === '' ? undefined : Number(digits) - 1;
  if (row !== undefined && row < 0) return undefined;
  if (col !== undefined && col >= MAX_COLUMNS) return undefined;
  return { col, row };
}

function parseRef(ref: string): Omit<A1Range, 'sheetName'> | undefined {
  const parts = ref.split(':');
  if (parts.length > 2) return undefined;
  const a = parseEndpoint(parts[0] ?? '');
  if (!a) return undefined;
  if (parts.length === 1) {
    if (a.col === undefined || a.row === undefined) return undefined;
    return { startRow: a.row, endRow: a.row + 1, startCol: a.col, endCol: a.col + 1, singleCell: true };
  }
  const b = parseEndpoint(parts[1] ?? '');
  if (!b) return undefined;
  // `A:B` (columns) and `1:2` (rows) must be consistent on both ends; `A5:B` leaves the end row open.
  if (a.col === undefined && b.col !== undefined) return undefined;
  if (a.row === undefined && b.row !== undefined && a.col !== undefined) return undefined;
  const [startCol, endCol] = orderPair(a.col, b.col);
  const [startRow, endRow] = orderPair(a.row, b.row);
  return { startRow, endRow, startCol, endCol, singleCell: false };
}

function orderPair(a: number | undefined, b: number | undefined): [number | undefined, number | undefined] {
  if (a === undefined) return [undefined, b === undefined ? undefined : b + 1];
  if (b === undefined) return [a, undefined];
  return [Math.min(a, b), Math.max(a, b) + 1];
}

export function columnIndex(letters: string): number {
  let n = 0;
  for (const ch of letters.toUpperCase()) n = n * 26 + (ch.charCodeAt(0) - 64);
  return n - 1;
}

export function columnLetters(index: number): string {
  let n = index + 1;
  let out = '';
  while (n > 0) {
    const rem = (n - 1) % 26;
    out = String.fromCharCode(65 + rem) + out;
    n = Math.floor((n - 1) / 26);
  }
  return out;
}

/** Quotes a sheet name the way Sheets echoes it: plain ASCII identifiers bare, anything else quoted. */
export function quoteSheetName(name: string, always = false): string {
  if (!always && /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) && !/^[A-Za-z]{1,3}\d+$/.test(name)) return name;
  return `'${name.replaceAll("'", "''")}'`;
}

export interface GridBox {
  startRow: number;
  endRow: number;
  startCol: number;
  endCol: number;
}

/** A concrete box as A1 (`A1:B2`, or `A1` for a single cell). Empty boxes render as their start cell. */
export function formatBox(sheetName: string, box: GridBox, alwaysQuote = false): string {
  const start = `${columnLetters(box.startCol)}${box.startRow + 1}`;
  const endRow = Math.max(box.endRow, box.startRow + 1);
  const endCol = Math.max(box.endCol, box.startCol + 1);
  const end = `${columnLetters(endCol - 1)}${endRow}`;
  const cells = start === end ? start : `${start}:${end}`;
  return `${quoteSheetName(sheetName, alwaysQuote)}!${cells}`;
}
