/**
 * A failed Sheets call, stripped of the client's request config (which may carry tokens). `status` is undefined
 * when no HTTP response arrived (socket hang-up, timeout); `googleStatus` is set only when the body was Google's JSON
 * error, which is how a real rejection is told apart from a proxy's empty 5xx.
 */
export class SheetsApiError extends Error {
  override name = 'SheetsApiError';
  readonly status: number | undefined;
  readonly googleStatus: string | undefined;
  /** Transport error code when there was no response (`ECONNRESET`, `TimeoutError`, …). */
  readonly transportCode: string | undefined;

  constructor(message: string, fields: { status?: number; googleStatus?: string; transportCode?: string }) {
    super(message);
    this.status = fields.status;
    this.googleStatus = fields.googleStatus;
    this.transportCode = fields.transportCode;
  }
}

/** The call may or may not have been applied; the caller must read state back before deciding to retry. */
export class AmbiguousOutcomeError extends Error {
  override name = 'AmbiguousOutcomeError';
  readonly method: string;
  constructor(method: string, cause: unknown) {
    super(`${method}: outcome unknown (${cause instanceof Error ? cause.message : String(cause)})`, { cause });
    this.method = method;
  }
}

export class RetriesExhaustedError extends Error {
  override name = 'RetriesExhaustedError';
  readonly attempts: number;
  constructor(method: string, attempts: number, cause: unknown) {
    super(
      `${method}: gave up after ${attempts} attempts (last: ${cause instanceof Error ? cause.message : String(cause)})`,
      { cause },
    );
    this.attempts = attempts;
  }
}

/** The write would not fit Google's 10M-cell workbook limit; retrying cannot help. */
export class CellLimitError extends Error {
  override name = 'CellLimitError';
  readonly spreadsheetId: string;
  readonly neededCells: number;
  readonly limit: number;
  readonly currentCells: number;
  readonly newTabCells: number;

  constructor(fields: {
    spreadsheetId: string;
    neededCells: number;
    limit: number;
    currentCells: number;
    newTabCells: number;
    replacedTabCells: number;
    abandonedStagingCells: number;
    /** The connection's policy that could not make it fit (absent: none applies). */
    policy?: string;
    /** Whether the rows would be staged in a hidden tab until the commit (a large import), or sent in the commit. */
    staged?: boolean;
  }) {
    const n = (x: number) => x.toLocaleString('en-US');
    const abandoned = fields.abandonedStagingCells
      ? ` (${n(fields.abandonedStagingCells)} of them in abandoned _stage_ tabs of other jobs, which can be deleted)`
      : '';
    const what: Record<string, string> = {
      fail: 'The connection\'s cell policy is "fail": set it to "trim-oldest" to drop the oldest days instead, or ',
      'trim-oldest': 'The import does not fit even with every older day trimmed: ',
      'new-tab': 'The import does not fit even in a new tab of its own: ',
    };
    const lead = fields.policy ? (what[fields.policy] ?? '') : '';
    super(
      `Spreadsheet ${fields.spreadsheetId} cannot take this write: with the import's ${n(fields.newTabCells)} new ` +
        `cells${fields.staged === false ? '' : ' (staged in a hidden tab until the commit)'} the workbook, now ` +
        `${n(fields.currentCells)} cells${abandoned}, would need ${n(fields.neededCells)}, over Google's limit of ` +
        `${n(fields.limit)} cells per spreadsheet (the target tab is ${n(fields.replacedTabCells)} cells). ` +
        lead +
        `${lead ? 'r' : 'R'}oll over to a new spreadsheet, shorten the history, or aggregate to fewer rows or columns.`,
    );
    this.spreadsheetId = fields.spreadsheetId;
    this.neededCells = fields.neededCells;
    this.limit = fields.limit;
    this.currentCells = fields.currentCells;
    this.newTabCells = fields.newTabCells;
  }
}

/** The spreadsheet does not exist, or the principal has no access: ask the user to share it or reconnect. */
export class SpreadsheetUnreachableError extends Error {
  override name = 'SpreadsheetUnreachableError';
  readonly spreadsheetId: string;
  readonly status: number | undefined;
  constructor(spreadsheetId: string, status: number | undefined, detail: string) {
    super(`Spreadsheet ${spreadsheetId} is not reachable (${status ?? 'no response'}): ${detail}`);
    this.spreadsheetId = spreadsheetId;
    this.status = status;
  }
}

/** The write's target cannot be written as given (a reserved or invalid tab name, a bad job id); retrying cannot help. */
export class InvalidTargetError extends Error {
  override name = 'InvalidTargetError';
}
