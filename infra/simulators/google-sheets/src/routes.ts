import { applyBatchUpdate } from './batch-update.ts';
import type { ValueInputOption, ValueRenderOption } from './cell-values.ts';
import { SeedSpreadsheet } from './config.ts';
import { invalidArgument, notFound } from './errors.ts';
import { parseFieldMask, selects } from './field-mask.ts';
import { sheetsView } from './grid-data.ts';
import { draft, type Spreadsheet } from './model.ts';
import type { FakeMethod, FakeState } from './state.ts';
import { appendValues, clearValues, getValues, type MajorDimension, updateValues } from './values.ts';
import { spreadsheetView } from './views.ts';

export interface Route {
  method: FakeMethod;
  spreadsheetId: string | undefined;
  range: string | undefined;
}

/**
 * Matches the client's URLs by hand: the range is one percent-encoded path segment and the custom verb (`:append`,
 * `:clear`) follows it after a literal colon, which a router's `:param` syntax cannot express.
 */
export function matchRoute(httpMethod: string, url: string): Route | undefined {
  const path = url.split('?')[0] ?? '';
  const prefix = '/v4/spreadsheets';
  if (!path.startsWith(prefix)) return undefined;
  const rest = path.slice(prefix.length);
  if (rest === '' || rest === '/') return httpMethod === 'POST' ? route('spreadsheets.create') : undefined;
  const [idPart = '', second, ...tail] = rest.slice(1).split('/');
  const [rawId = '', idVerb] = idPart.split(':');
  const spreadsheetId = decodeURIComponent(rawId);
  if (second === undefined) {
    if (httpMethod === 'GET' && !idVerb) return route('spreadsheets.get', spreadsheetId);
    if (httpMethod === 'POST' && idVerb === 'batchUpdate') return route('spreadsheets.batchUpdate', spreadsheetId);
    return undefined;
  }
  const collectionVerbs: Record<string, [string, FakeMethod]> = {
    'values:batchUpdate': ['POST', 'values.batchUpdate'],
    'values:batchClear': ['POST', 'values.batchClear'],
    'values:batchGet': ['GET', 'values.batchGet'],
  };
  const collection = collectionVerbs[second];
  if (collection && tail.length === 0) {
    return collection[0] === httpMethod ? route(collection[1], spreadsheetId) : undefined;
  }
  if (second !== 'values' || tail.length === 0) return undefined;
  const rawRange = tail.join('/');
  const verb = /:(append|clear)$/.exec(rawRange)?.[1];
  const range = decodeURIComponent(verb ? rawRange.slice(0, -verb.length - 1) : rawRange);
  if (verb === 'append' && httpMethod === 'POST') return route('values.append', spreadsheetId, range);
  if (verb === 'clear' && httpMethod === 'POST') return route('values.clear', spreadsheetId, range);
  if (!verb && httpMethod === 'GET') return route('values.get', spreadsheetId, range);
  if (!verb && httpMethod === 'PUT') return route('values.update', spreadsheetId, range);
  return undefined;
}

const READS = new Set<FakeMethod>(['spreadsheets.get', 'values.get', 'values.batchGet']);

const route = (method: FakeMethod, spreadsheetId?: string, range?: string): Route => ({ method, spreadsheetId, range });

function pick<T extends string>(name: string, value: unknown, allowed: readonly T[], fallback?: T): T {
  if (value === undefined || value === null || value === '') {
    if (fallback !== undefined) return fallback;
    throw invalidArgument(`'${name}' is required but not specified`);
  }
  if (!allowed.includes(value as T)) throw invalidArgument(`Invalid value at '${name}', "${String(value)}"`);
  return value as T;
}

const inputOption = (v: unknown) => pick<ValueInputOption>('valueInputOption', v, ['RAW', 'USER_ENTERED']);
const renderOption = (v: unknown) =>
  pick<ValueRenderOption>(
    'valueRenderOption',
    v,
    ['FORMATTED_VALUE', 'UNFORMATTED_VALUE', 'FORMULA'],
    'FORMATTED_VALUE',
  );
const majorOption = (v: unknown) => pick<MajorDimension>('majorDimension', v, ['ROWS', 'COLUMNS'], 'ROWS');

type Body = Record<string, unknown>;

/**
 * Runs one API call. Mutations apply to a draft that replaces the stored spreadsheet only when the whole call
 * succeeded, so a failing call (or any failing subrequest of a batch) leaves no trace.
 */
export function execute(
  state: FakeState,
  r: Route,
  query: URLSearchParams,
  body: Body,
  baseUrl: string,
  caller = 'anonymous',
): unknown {
  const limits = state.config.limits;
  if (r.method === 'spreadsheets.create') return createSpreadsheet(state, body, baseUrl);
  const current = state.spreadsheets.get(r.spreadsheetId ?? '');
  if (!current) throw notFound();
  state.checkAccess(current.spreadsheetId, caller, READS.has(r.method) ? 'read' : 'write');
  const mutate = <T>(fn: (ss: Spreadsheet) => T): T => {
    const next = draft(current);
    const out = fn(next);
    state.spreadsheets.set(current.spreadsheetId, next);
    return out;
  };
  const range = r.range ?? '';
  switch (r.method) {
    case 'spreadsheets.get': {
      // With a field mask, includeGridData is ignored and the mask alone says whether cells come back.
      const fields = query.get('fields');
      const grid = fields
        ? selects(parseFieldMask(fields), ['sheets', 'data'])
        : query.get('includeGridData') === 'true';
      return spreadsheetView(current, baseUrl, sheetsView(current, query.getAll('ranges'), grid));
    }
    case 'values.get':
      return getValues(
        current,
        range,
        renderOption(query.get('valueRenderOption')),
        majorOption(query.get('majorDimension')),
      );
    case 'values.batchGet':
      return {
        spreadsheetId: current.spreadsheetId,
        valueRanges: query
          .getAll('ranges')
          .map((rg) =>
            getValues(
              current,
              rg,
              renderOption(query.get('valueRenderOption')),
              majorOption(query.get('majorDimension')),
            ),
          ),
      };
    case 'values.update': {
      const option = inputOption(query.get('valueInputOption'));
      return mutate((ss) => updateValues(ss, range, body.values, option, majorOption(body.majorDimension), limits));
    }
    case 'values.append': {
      const option = inputOption(query.get('valueInputOption'));
      const insert = pick('insertDataOption', query.get('insertDataOption'), ['INSERT_ROWS', 'OVERWRITE'], 'OVERWRITE');
      return mutate((ss) =>
        appendValues(ss, range, body.values, option, insert, majorOption(body.majorDimension), limits),
      );
    }
    case 'values.batchUpdate': {
      const option = inputOption(body.valueInputOption);
      const data = Array.isArray(body.data) ? (body.data as Body[]) : [];
      return mutate((ss) => {
        const responses = data.map((d) =>
          updateValues(ss, String(d.range ?? ''), d.values, option, majorOption(d.majorDimension), limits),
        );
        const sum = (k: 'updatedRows' | 'updatedColumns' | 'updatedCells') => responses.reduce((n, x) => n + x[k], 0);
        return {
          spreadsheetId: ss.spreadsheetId,
          totalUpdatedRows: sum('updatedRows'),
          totalUpdatedColumns: sum('updatedColumns'),
          totalUpdatedCells: sum('updatedCells'),
          totalUpdatedSheets: new Set(responses.map((x) => x.updatedRange.split('!')[0])).size,
          responses,
        };
      });
    }
    case 'values.clear':
      return mutate((ss) => ({ spreadsheetId: ss.spreadsheetId, clearedRange: clearValues(ss, range) }));
    case 'values.batchClear': {
      const ranges = Array.isArray(body.ranges) ? body.ranges.map(String) : [];
      return mutate((ss) => ({
        spreadsheetId: ss.spreadsheetId,
        clearedRanges: ranges.map((rg) => clearValues(ss, rg)),
      }));
    }
    case 'spreadsheets.batchUpdate':
      return mutate((ss) => {
        const replies = applyBatchUpdate(ss, body.requests, limits);
        const out: Body = { spreadsheetId: ss.spreadsheetId, replies };
        if (body.includeSpreadsheetInResponse === true) out.updatedSpreadsheet = spreadsheetView(ss, baseUrl);
        return out;
      });
    default:
      throw notFound();
  }
}

function createSpreadsheet(state: FakeState, body: Body, baseUrl: string) {
  const props = (body.properties ?? {}) as Body;
  const sheets = Array.isArray(body.sheets) ? (body.sheets as Body[]) : [];
  const seed = SeedSpreadsheet.safeParse({
    title: props.title ?? undefined,
    locale: props.locale ?? undefined,
    timeZone: props.timeZone ?? undefined,
    sheets: sheets.map((s, i) => {
      const p = (s.properties ?? {}) as Body;
      const grid = (p.gridProperties ?? {}) as Body;
      return {
        title: p.title ?? `Sheet${i + 1}`,
        sheetId: p.sheetId,
        hidden: p.hidden,
        rowCount: grid.rowCount ?? 1000,
        columnCount: grid.columnCount ?? 26,
      };
    }),
  });
  if (!seed.success) throw invalidArgument(`Invalid spreadsheet: ${seed.error.issues[0]?.message ?? 'bad request'}`);
  const ss = state.seedSpreadsheet(seed.data);
  if (state.totalCells(ss.spreadsheetId) > state.config.limits.maxCellsPerSpreadsheet) {
    state.spreadsheets.delete(ss.spreadsheetId);
    throw invalidArgument(
      `This action would increase the number of cells in the workbook above the limit of ${state.config.limits.maxCellsPerSpreadsheet} cells.`,
    );
  }
  return spreadsheetView(ss, baseUrl);
}
