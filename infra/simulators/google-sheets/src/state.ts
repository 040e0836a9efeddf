import { randomBytes } from 'node:crypto';
import type { ValueRenderOption } from './cell-values.ts';
import { type FakeConfig, type FakeConfigInput, parseConfig, type Role, SeedSpreadsheet } from './config.ts';
import { invalidArgument, permissionDenied } from './errors.ts';
import {
  type Cell,
  DEFAULT_COLUMNS,
  DEFAULT_ROWS,
  getCell,
  newSheet,
  resolveRange,
  type Scalar,
  type Sheet,
  type Spreadsheet,
  setCell,
  sheetByTitle,
  totalCells,
} from './model.ts';
import { QuotaCounters } from './quota.ts';
import { getValues } from './values.ts';

export type FakeMethod =
  | 'spreadsheets.get'
  | 'spreadsheets.create'
  | 'spreadsheets.batchUpdate'
  | 'values.get'
  | 'values.batchGet'
  | 'values.update'
  | 'values.batchUpdate'
  | 'values.append'
  | 'values.clear'
  | 'values.batchClear';

/**
 * `500`/`503`: rejected before anything is applied. `drop`: applied, then the socket is destroyed — the client
 * cannot tell whether it landed. `drop-before-apply`: the socket is destroyed and nothing is applied.
 */
export type FaultKind = '500' | '503' | 'drop' | 'drop-before-apply';

export interface FaultRule {
  kind: FaultKind;
  /** Only requests of this method; any method when absent. */
  method?: FakeMethod;
  /** How many matching requests it hits. Default 1. */
  times?: number;
  /** How many matching requests to let through first. Default 0. */
  skip?: number;
}

export interface RequestRecord {
  method: FakeMethod;
  httpMethod: string;
  spreadsheetId: string | undefined;
  user: string;
  at: number;
  /** Bytes of the request's body as received (0 for a GET). */
  bodyBytes?: number;
  /** HTTP status sent, or 'dropped' when the socket was destroyed instead. Undefined while in flight. */
  outcome?: number | 'dropped';
}

export type TabInfo = Pick<Sheet, 'sheetId' | 'title' | 'index' | 'hidden' | 'rowCount' | 'columnCount'>;

/** The fake's whole world plus the inspection helpers tests use instead of going through the API. */
export class FakeState {
  config: FakeConfig;
  readonly spreadsheets = new Map<string, Spreadsheet>();
  readonly requests: RequestRecord[] = [];
  readonly quota = new QuotaCounters();
  /** Drive permissions by spreadsheet, then caller (lower-cased). No entry: the spreadsheet is open to anyone. */
  readonly permissions = new Map<string, Map<string, Role>>();
  private readonly faults: Array<Required<Pick<FaultRule, 'kind' | 'times' | 'skip'>> & Pick<FaultRule, 'method'>> = [];

  constructor(config: FakeConfig) {
    this.config = config;
    for (const seed of config.spreadsheets) this.seedSpreadsheet(seed);
  }

  /** Replaces parts of the config at run time (limits and faults are merged key by key). */
  setConfig(patch: FakeConfigInput): void {
    this.config = parseConfig({
      ...this.config,
      ...patch,
      limits: { ...this.config.limits, ...patch.limits },
      faults: { ...this.config.faults, ...patch.faults },
      spreadsheets: [],
    });
  }

  seedSpreadsheet(input: SeedSpreadsheet): Spreadsheet {
    const seed = SeedSpreadsheet.parse(input);
    const spreadsheetId = seed.spreadsheetId ?? randomBytes(33).toString('base64url');
    const ss: Spreadsheet = {
      spreadsheetId,
      title: seed.title,
      locale: seed.locale,
      timeZone: seed.timeZone,
      sheets: [],
    };
    const sheets = seed.sheets?.length ? seed.sheets : [{ title: 'Sheet1' }];
    sheets.forEach((s, index) => {
      const values = s.values ?? [];
      const width = Math.max(0, ...values.map((r) => r.length));
      const sheet = newSheet({
        sheetId: s.sheetId ?? index,
        title: s.title,
        index,
        hidden: s.hidden ?? false,
        rowCount: s.rowCount ?? Math.max(DEFAULT_ROWS, values.length),
        columnCount: s.columnCount ?? Math.max(DEFAULT_COLUMNS, width),
      });
      values.forEach((row, r) => {
        row.forEach((v, c) => {
          if (v === null || v === '') return;
          setCell(sheet, r, c, typeof v === 'string' && v.startsWith('=') ? { formula: v } : { value: v });
        });
      });
      ss.sheets.push(sheet);
    });
    if (this.spreadsheets.has(spreadsheetId)) throw invalidArgument(`Spreadsheet ${spreadsheetId} already exists.`);
    this.spreadsheets.set(spreadsheetId, ss);
    if (seed.permissions) {
      this.permissions.set(spreadsheetId, new Map());
      for (const p of seed.permissions) this.share(spreadsheetId, p.emailAddress, p.role);
    }
    return ss;
  }

  /**
   * Shares a spreadsheet with a caller (a principal's email) as `reader` or `writer`. The first share of a
   * spreadsheet seeded without permissions closes it to everyone else, as a real private spreadsheet is.
   */
  share(spreadsheetId: string, emailAddress: string, role: Role): void {
    this.spreadsheet(spreadsheetId);
    let byUser = this.permissions.get(spreadsheetId);
    if (!byUser) {
      byUser = new Map();
      this.permissions.set(spreadsheetId, byUser);
    }
    byUser.set(emailAddress.toLowerCase(), role);
  }

  /** Throws Drive's 403 unless `user` may make a call of this kind on the spreadsheet. */
  checkAccess(spreadsheetId: string, user: string, kind: 'read' | 'write'): void {
    const byUser = this.permissions.get(spreadsheetId);
    if (!byUser) return;
    const role = byUser.get(user.toLowerCase());
    if (role === 'writer' || (role === 'reader' && kind === 'read')) return;
    throw permissionDenied();
  }

  private spreadsheet(spreadsheetId: string): Spreadsheet {
    const ss = this.spreadsheets.get(spreadsheetId);
    if (!ss) throw new Error(`sheets fake: no spreadsheet ${spreadsheetId}`);
    return ss;
  }

  listTabs(spreadsheetId: string): TabInfo[] {
    return this.spreadsheet(spreadsheetId).sheets.map(({ sheetId, title, index, hidden, rowCount, columnCount }) => ({
      sheetId,
      title,
      index,
      hidden,
      rowCount,
      columnCount,
    }));
  }

  /** A tab's values as a 2-D array, trailing blanks trimmed. Formulas appear as their `=…` text. */
  readTab(spreadsheetId: string, title: string, render: ValueRenderOption = 'UNFORMATTED_VALUE'): Scalar[][] {
    const ss = this.spreadsheet(spreadsheetId);
    if (!sheetByTitle(ss, title)) throw new Error(`sheets fake: no tab "${title}" in ${spreadsheetId}`);
    return getValues(ss, `'${title.replaceAll("'", "''")}'`, render).values ?? [];
  }

  /** One stored cell (`value` vs `formula`, `numberFormat`), e.g. `cell(id, 'Data', 'B2')`. */
  cell(spreadsheetId: string, a1: string): Cell | undefined {
    const res = resolveRange(this.spreadsheet(spreadsheetId), a1);
    return getCell(res.sheet, res.startRow ?? 0, res.startCol ?? 0);
  }

  totalCells(spreadsheetId: string): number {
    return totalCells(this.spreadsheet(spreadsheetId));
  }

  /** Requests received (including rejected and dropped ones), optionally of one method. */
  countRequests(method?: FakeMethod): number {
    return method ? this.requests.filter((r) => r.method === method).length : this.requests.length;
  }

  injectFault(rule: FaultRule): void {
    this.faults.push({ kind: rule.kind, method: rule.method, times: rule.times ?? 1, skip: rule.skip ?? 0 });
  }

  /** The scheduled fault that hits this request, if any. Rules are consulted in order: the first matching one decides. */
  takeFault(method: FakeMethod): FaultKind | undefined {
    const rule = this.faults.find((f) => !f.method || f.method === method);
    if (!rule) return undefined;
    if (rule.skip > 0) {
      rule.skip -= 1;
      return undefined;
    }
    rule.times -= 1;
    if (rule.times <= 0) this.faults.splice(this.faults.indexOf(rule), 1);
    return rule.kind;
  }

  /** Forgets spreadsheets, requests, quota counters and scheduled faults; keeps the config. */
  reset(): void {
    this.spreadsheets.clear();
    this.permissions.clear();
    this.requests.length = 0;
    this.quota.reset();
    this.faults.length = 0;
  }
}
