import { auth, sheets, type sheets_v4 } from '@googleapis/sheets';
import type { Span } from '@opentelemetry/api';
import { clientSpan } from '@reportline/platform';
import type { RawCell } from './cells.ts';
import { SheetsApiError } from './errors.ts';
import { gridValues } from './grid-values.ts';

/** The only file that touches @googleapis/sheets: the protocol talks to this interface and is tested against it. */

export interface SheetInfo {
  sheetId: number;
  title: string;
  index: number;
  hidden: boolean;
  rowCount: number;
  columnCount: number;
}

export interface SpreadsheetInfo {
  spreadsheetId: string;
  sheets: SheetInfo[];
}

export type BatchRequest = sheets_v4.Schema$Request;
export type SheetsAuth = sheets_v4.Options['auth'];

/** Service-account credentials from a JSON key file; the target spreadsheets must be shared with its email. */
export function serviceAccountAuth(keyFile: string): SheetsAuth {
  return new auth.GoogleAuth({ keyFile, scopes: ['https://www.googleapis.com/auth/spreadsheets'] });
}

/**
 * For the Sheets fake only: the principal's email as the bearer token, which is how the fake tells principals apart
 * (their quotas, their Drive permissions). Google rejects it, so it is used only when a principal has no key.
 */
export function fakePrincipalAuth(email: string): SheetsAuth {
  const client = new auth.OAuth2();
  client.setCredentials({ access_token: email });
  return client;
}

/** One block of cells of a tab to read with its properties: `range` in A1 without the tab (`A2:A`). */
export interface TabRange {
  title: string;
  range: string;
}

export interface TabsRead {
  /** Properties of the tabs the ranges touch, and only those (Google leaves the others out). */
  sheets: SheetInfo[];
  /** Each range's values as `getValues` answers them, in the order asked. */
  values: unknown[][][];
}

export interface SheetsPort {
  getSpreadsheet(spreadsheetId: string): Promise<SpreadsheetInfo>;
  /**
   * The properties of the named tabs and the cells of `ranges` in ONE read request: spreadsheets.get with `ranges`
   * and a field mask asking for each cell's effective value. A range of a tab that does not exist fails the whole
   * call (400 `Unable to parse range`).
   */
  readTabs(spreadsheetId: string, ranges: readonly TabRange[]): Promise<TabsRead>;
  /** Values as stored (UNFORMATTED_VALUE): numbers as numbers, dates as serials. */
  getValues(spreadsheetId: string, range: string): Promise<unknown[][]>;
  /** Several ranges in ONE read request (values.batchGet), in the order asked, each as `getValues` answers it. */
  batchGetValues(spreadsheetId: string, ranges: readonly string[]): Promise<unknown[][][]>;
  /** A fixed-position RAW write (values.update, PUT): repeating it yields the same cells. */
  updateValues(spreadsheetId: string, range: string, values: RawCell[][]): Promise<void>;
  /**
   * spreadsheets.batchUpdate: all subrequests applied atomically, in order. Answers the tabs as the batch left them
   * (`includeSpreadsheetInResponse`, properties only): what the next write can start from without reading them.
   */
  batchUpdate(spreadsheetId: string, requests: BatchRequest[]): Promise<SpreadsheetInfo>;
}

export interface SheetsPortOptions {
  /** Origin of the API; the simulator's `url + '/'` in tests and local runs. Google's when absent. */
  rootUrl?: string;
  auth?: SheetsAuth;
  /** gaxios has no timeout by default; Sheets itself gives up on requests after 180 s. */
  timeoutMs?: number;
}

export function createSheetsPort(options: SheetsPortOptions = {}): SheetsPort {
  const client = sheets({
    version: 'v4',
    ...(options.rootUrl ? { rootUrl: options.rootUrl } : {}),
    ...(options.auth ? { auth: options.auth } : {}),
    retry: false,
    timeout: options.timeoutMs ?? 200_000,
  });

  return {
    async getSpreadsheet(spreadsheetId) {
      const res = await translate('spreadsheets.get', spreadsheetId, () =>
        client.spreadsheets.get({ spreadsheetId, fields: `spreadsheetId,sheets.properties(${PROPERTIES})` }),
      );
      return infoOf(res.data, spreadsheetId);
    },
    async readTabs(spreadsheetId, ranges) {
      const res = await translate('spreadsheets.get', spreadsheetId, () =>
        client.spreadsheets.get({
          spreadsheetId,
          ranges: ranges.map((r) => `${quoted(r.title)}!${r.range}`),
          // With a field mask Google ignores includeGridData; the mask alone brings the cells' effective values.
          fields: `sheets(properties(${PROPERTIES}),data(startRow,startColumn,rowData.values.effectiveValue))`,
        }),
      );
      const sheets = res.data.sheets ?? [];
      // Google gives a tab one GridData per range on it, in the order asked.
      const taken = new Map<string, number>();
      const values = ranges.map((r) => {
        const key = r.title.toLowerCase();
        const sheet = sheets.find((s) => (s.properties?.title ?? '').toLowerCase() === key);
        const i = taken.get(key) ?? 0;
        taken.set(key, i + 1);
        return gridValues(sheet?.data?.[i]);
      });
      return { sheets: infoOf(res.data, spreadsheetId).sheets, values };
    },
    async getValues(spreadsheetId, range) {
      const res = await translate('spreadsheets.values.get', spreadsheetId, () =>
        client.spreadsheets.values.get({ spreadsheetId, range, valueRenderOption: 'UNFORMATTED_VALUE' }),
      );
      return (res.data.values ?? []) as unknown[][];
    },
    async batchGetValues(spreadsheetId, ranges) {
      const res = await translate('spreadsheets.values.batchGet', spreadsheetId, () =>
        client.spreadsheets.values.batchGet({
          spreadsheetId,
          ranges: [...ranges],
          valueRenderOption: 'UNFORMATTED_VALUE',
        }),
      );
      const got = res.data.valueRanges ?? [];
      return ranges.map((_, i) => (got[i]?.values ?? []) as unknown[][]);
    },
    async updateValues(spreadsheetId, range, values) {
      await translate('spreadsheets.values.update', spreadsheetId, () =>
        client.spreadsheets.values.update({
          spreadsheetId,
          range,
          valueInputOption: 'RAW',
          requestBody: { range, majorDimension: 'ROWS', values },
        }),
      );
    },
    async batchUpdate(spreadsheetId, requests) {
      const res = await translate('spreadsheets.batchUpdate', spreadsheetId, () =>
        client.spreadsheets.batchUpdate({
          spreadsheetId,
          fields: `updatedSpreadsheet(spreadsheetId,sheets.properties(${PROPERTIES}))`,
          requestBody: { requests, includeSpreadsheetInResponse: true },
        }),
      );
      return infoOf(res.data.updatedSpreadsheet ?? {}, spreadsheetId);
    },
  };
}

/** The tab properties the protocol uses, and no more (a field mask keeps Google's answers small). */
const PROPERTIES = 'sheetId,title,index,hidden,gridProperties(rowCount,columnCount)';
const quoted = (title: string) => `'${title.replaceAll("'", "''")}'`;

function infoOf(data: sheets_v4.Schema$Spreadsheet, spreadsheetId: string): SpreadsheetInfo {
  return {
    spreadsheetId: data.spreadsheetId ?? spreadsheetId,
    sheets: (data.sheets ?? []).map(({ properties: p }) => ({
      sheetId: p?.sheetId ?? 0,
      title: p?.title ?? '',
      index: p?.index ?? 0,
      hidden: p?.hidden === true,
      rowCount: p?.gridProperties?.rowCount ?? 0,
      columnCount: p?.gridProperties?.columnCount ?? 0,
    })),
  };
}

interface GaxiosLikeError {
  message?: string;
  code?: unknown;
  status?: number;
  response?: { status?: number; data?: unknown };
}

/**
 * Runs one Sheets API call in a CLIENT span (so a sheet write shows in the import's trace, with its latency and
 * status) and rethrows client errors as SheetsApiError, keeping status and Google's error body but not the request
 * config.
 */
function translate<T>(operation: string, spreadsheetId: string, call: () => Promise<T>): Promise<T> {
  return clientSpan(
    '@reportline/sheets-writer',
    `sheets ${operation}`,
    { 'rpc.system': 'google_sheets', 'rpc.method': operation, 'sheets.spreadsheet_id': spreadsheetId },
    (span) => translated(call, span),
  );
}

async function translated<T>(call: () => Promise<T>, span: Span): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (!err || typeof err !== 'object') throw err;
    const e = err as GaxiosLikeError;
    const status = e.response?.status ?? e.status;
    if (status !== undefined) span.setAttribute('http.response.status_code', status);
    const body = e.response?.data;
    const googleError =
      body && typeof body === 'object' && 'error' in body && body.error && typeof body.error === 'object'
        ? (body.error as { status?: unknown; message?: unknown })
        : undefined;
    const googleStatus = typeof googleError?.status === 'string' ? googleError.status : undefined;
    const message =
      typeof googleError?.message === 'string' ? googleError.message : redactQuery(e.message ?? 'request failed');
    throw new SheetsApiError(status === undefined ? message : `${status} ${message}`, {
      ...(status === undefined ? {} : { status }),
      ...(googleStatus ? { googleStatus } : {}),
      ...(typeof e.code === 'string' && status === undefined ? { transportCode: e.code } : {}),
    });
  }
}

// An API-key auth puts `key=` in the query string, and gaxios's transport errors quote the URL.
const redactQuery = (text: string) => text.replace(/\?[^\s]*/g, '?…');
