import { cellTooLong, invalidArgument } from './errors.ts';
import { type Cell, isBrokenFormula, type NumberFormat, type Scalar } from './model.ts';

export type ValueInputOption = 'RAW' | 'USER_ENTERED';
export type ValueRenderOption = 'FORMATTED_VALUE' | 'UNFORMATTED_VALUE' | 'FORMULA';

/** What a value in a request means for a cell: leave it (`null`), clear it (`''`), or store a new cell. */
export type CellWrite = { kind: 'skip' } | { kind: 'set'; cell: Cell | undefined };

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const SERIAL_EPOCH_MS = Date.UTC(1899, 11, 30);
const DAY_MS = 86_400_000;

/**
 * RAW stores what it is given; USER_ENTERED parses like typing into the UI: `=…` becomes a formula (so does a `+`/`-`
 * prefix that is not a number: the formula-injection hazard), numbers and booleans are parsed, ISO dates become
 * date serials with a DATE format.
 */
export function toCellWrite(
  input: unknown,
  option: ValueInputOption,
  existing: Cell | undefined,
  maxChars: number,
  where: string,
): CellWrite {
  if (input === null || input === undefined) return { kind: 'skip' };
  const keepFormat = existing?.numberFormat ? { numberFormat: existing.numberFormat } : {};
  if (input === '') return { kind: 'set', cell: existing?.numberFormat ? keepFormat : undefined };
  if (typeof input === 'number') {
    if (!Number.isFinite(input)) throw invalidArgument(`Invalid values${where}: not a finite number`);
    return { kind: 'set', cell: { ...keepFormat, value: input } };
  }
  if (typeof input === 'boolean') return { kind: 'set', cell: { ...keepFormat, value: input } };
  if (typeof input !== 'string') {
    throw invalidArgument(`Invalid values${where}: ${Array.isArray(input) ? 'list_value' : 'struct_value'}`);
  }
  if (input.length > maxChars) throw cellTooLong(maxChars);
  if (option === 'RAW') return { kind: 'set', cell: { ...keepFormat, value: input } };
  return { kind: 'set', cell: parseUserEntered(input, existing) };
}

function parseUserEntered(text: string, existing: Cell | undefined): Cell {
  const keepFormat = existing?.numberFormat ? { numberFormat: existing.numberFormat } : {};
  if (text.startsWith('=') && text.length > 1) return { ...keepFormat, formula: text };
  const trimmed = text.trim();
  if (NUMBER.test(trimmed)) return { ...keepFormat, value: Number(trimmed) };
  if (/^(true|false)$/i.test(trimmed)) return { ...keepFormat, value: trimmed.toLowerCase() === 'true' };
  if (/^[+-]/.test(trimmed) && trimmed.length > 1) return { ...keepFormat, formula: `=${trimmed}` };
  const serial = dateSerial(trimmed);
  if (serial !== undefined) {
    return { value: serial, numberFormat: existing?.numberFormat ?? { type: 'DATE', pattern: 'yyyy-mm-dd' } };
  }
  return { ...keepFormat, value: text };
}

export function dateSerial(iso: string): number | undefined {
  const m = ISO_DATE.exec(iso);
  if (!m) return undefined;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  const back = new Date(ms);
  if (back.getUTCMonth() !== Number(m[2]) - 1 || back.getUTCDate() !== Number(m[3])) return undefined;
  return Math.round((ms - SERIAL_EPOCH_MS) / DAY_MS);
}

/** Formulas are stored, not evaluated: every render option shows their text. */
export function renderCell(cell: Cell | undefined, option: ValueRenderOption): Scalar {
  if (!cell) return '';
  if (cell.formula !== undefined) return option !== 'FORMULA' && isBrokenFormula(cell.formula) ? '#REF!' : cell.formula;
  const v = cell.value;
  if (v === undefined) return '';
  if (option !== 'FORMATTED_VALUE') return v;
  if (typeof v === 'boolean') return v ? 'TRUE' : 'FALSE';
  if (typeof v === 'number') return formatNumber(v, cell.numberFormat);
  return v;
}

function formatNumber(n: number, format: NumberFormat | undefined): string {
  if (!format || !['DATE', 'DATE_TIME'].includes(format.type)) return String(n);
  const d = new Date(SERIAL_EPOCH_MS + Math.floor(n) * DAY_MS);
  const pattern = format.pattern ?? 'M/d/yyyy';
  const yyyy = String(d.getUTCFullYear());
  const month = d.getUTCMonth() + 1;
  const day = d.getUTCDate();
  return pattern.replace(/yyyy|mm|dd|M|m|d/g, (token) => {
    if (token === 'yyyy') return yyyy;
    if (token === 'mm') return String(month).padStart(2, '0');
    if (token === 'dd') return String(day).padStart(2, '0');
    if (token === 'M' || token === 'm') return String(month);
    return String(day);
  });
}
