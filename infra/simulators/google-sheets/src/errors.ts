/** Errors in Google's JSON shape `{"error":{"code","message","status"}}`, with the messages Sheets really returns. */
export class GoogleApiError extends Error {
  override name = 'GoogleApiError';
  readonly code: number;
  readonly status: string;
  readonly details: unknown[] | undefined;

  constructor(code: number, status: string, message: string, details?: unknown[]) {
    super(message);
    this.code = code;
    this.status = status;
    this.details = details;
  }

  toBody(): { error: { code: number; message: string; status: string; details?: unknown[] } } {
    const error = { code: this.code, message: this.message, status: this.status };
    return { error: this.details ? { ...error, details: this.details } : error };
  }
}

export const invalidArgument = (message: string) => new GoogleApiError(400, 'INVALID_ARGUMENT', message);

export const notFound = () => new GoogleApiError(404, 'NOT_FOUND', 'Requested entity was not found.');

/** Drive's answer when the caller's principal has not been given the access the call needs. */
export const permissionDenied = () =>
  new GoogleApiError(403, 'PERMISSION_DENIED', 'The caller does not have permission');

export const internalError = () => new GoogleApiError(500, 'INTERNAL', 'Internal error encountered.');

export const unavailable = () => new GoogleApiError(503, 'UNAVAILABLE', 'The service is currently unavailable.');

export const payloadTooLarge = (limit: number) =>
  invalidArgument(`Request payload size exceeds the limit: ${limit} bytes.`);

export const unableToParseRange = (range: string) => invalidArgument(`Unable to parse range: ${range}`);

export const exceedsGrid = (a1: string, rowCount: number, columnCount: number) =>
  invalidArgument(`Range (${a1}) exceeds grid limits. Max rows: ${rowCount}, max columns: ${columnCount}`);

export const cellLimitMessage = (limit: number) =>
  `This action would increase the number of cells in the workbook above the limit of ${limit} cells.`;

export const cellTooLong = (limit: number) =>
  invalidArgument(`Your input contains more than the maximum of ${limit} characters in a single cell.`);

/** A subrequest of spreadsheets.batchUpdate failed: Google prefixes the message with its position and kind. */
export const invalidSubrequest = (index: number, kind: string, message: string) =>
  invalidArgument(`Invalid requests[${index}].${kind}: ${message}`);

export type QuotaKind = 'read' | 'write';
export type QuotaScope = 'user' | 'project';

/** The 429 body Sheets returns when a per-minute quota is spent (ballerina-library#5735). */
export function quotaExceeded(kind: QuotaKind, scope: QuotaScope, limit: number, projectNumber: string) {
  const Kind = kind === 'write' ? 'Write' : 'Read';
  const limitName = scope === 'user' ? `${Kind} requests per minute per user` : `${Kind} requests per minute`;
  const quotaLimit = `${Kind}RequestsPerMinutePer${scope === 'user' ? 'User' : 'Project'}`;
  return new GoogleApiError(
    429,
    'RESOURCE_EXHAUSTED',
    `Quota exceeded for quota metric '${Kind} requests' and limit '${limitName}' of service 'sheets.googleapis.com' for consumer 'project_number:${projectNumber}'.`,
    [
      {
        '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
        reason: 'RATE_LIMIT_EXCEEDED',
        domain: 'googleapis.com',
        metadata: {
          quota_metric: `sheets.googleapis.com/${kind}_requests`,
          quota_limit_value: String(limit),
          quota_limit: quotaLimit,
          service: 'sheets.googleapis.com',
        },
      },
    ],
  );
}
