/**
 * What the caller should do about a failure, not what NAVER literally said:
 * - credential-invalid: fix the credentials (bad signature, missing header, license not linked → 1018); retrying is useless.
 * - clock-skew: the gateway rejected X-Timestamp (invalid-timestamp); fix the host clock.
 * - not-ready: the day is not aggregated yet (20007, status AGGREGATING); retry later in the day.
 * - out-of-look-back: statDt is today or beyond the type's look-back (10004); clamp the range.
 * - job-vanished: the job was evicted or deleted (404 20011); its data must be fetched again, never treated as empty.
 * - rate-limited: 429 (or 1016) persisted beyond the client's retries.
 * - job-limit: master-report hard cap of 100 jobs reached (400 "exceeded limit"); delete own jobs first.
 * - transient: 5xx, status ERROR, timeouts, network failures; retrying is expected to work.
 * - unexpected: anything else (including our own malformed requests such as 11001).
 */
export type NaverErrorKind =
  | 'credential-invalid'
  | 'clock-skew'
  | 'not-ready'
  | 'out-of-look-back'
  | 'job-vanished'
  | 'rate-limited'
  | 'job-limit'
  | 'transient'
  | 'unexpected';

export interface NaverErrorDetails {
  /** `METHOD /path` of the call; never contains query strings, tokens, secrets or signatures. */
  endpoint: string;
  httpStatus?: number;
  /** NAVER's `code` (number) or problem `type` (urn string) when the body had one. */
  naverCode?: number | string;
  cause?: unknown;
}

export class NaverError extends Error {
  readonly kind: NaverErrorKind;
  readonly endpoint: string;
  readonly httpStatus: number | undefined;
  readonly naverCode: number | string | undefined;

  constructor(kind: NaverErrorKind, message: string, details: NaverErrorDetails) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'NaverError';
    this.kind = kind;
    this.endpoint = details.endpoint;
    this.httpStatus = details.httpStatus;
    this.naverCode = details.naverCode;
  }

  /** Whether the same call may succeed later without anyone changing configuration. */
  get retryable(): boolean {
    return this.kind === 'transient' || this.kind === 'rate-limited' || this.kind === 'not-ready';
  }
}

export function isNaverError(error: unknown, kind?: NaverErrorKind): error is NaverError {
  return error instanceof NaverError && (kind === undefined || error.kind === kind);
}

interface ParsedBody {
  code?: number;
  type?: string;
  title?: string;
  message?: string;
  header?: string;
  detail?: string;
  name?: string;
}

function parseBody(text: string): ParsedBody {
  try {
    const value: unknown = JSON.parse(text);
    if (value === null || typeof value !== 'object') return {};
    const v = value as Record<string, unknown>;
    const str = (x: unknown) => (typeof x === 'string' ? x : undefined);
    const code = typeof v.code === 'number' ? v.code : typeof v.code === 'string' ? Number(v.code) : undefined;
    return {
      code: Number.isFinite(code) ? code : undefined,
      type: str(v.type),
      title: str(v.title),
      message: str(v.message),
      header: str(v.header),
      detail: str(v.detail),
      name: str(v.name),
    };
  } catch {
    return {};
  }
}

function kindOf(status: number, body: ParsedBody): NaverErrorKind {
  const type = body.type ?? '';
  if (type.endsWith(':invalid-timestamp')) return 'clock-skew';
  if (status === 401 || status === 403) return 'credential-invalid';
  switch (body.code) {
    case 1018:
      return 'credential-invalid';
    case 20011:
    case 4601:
      return 'job-vanished';
    case 20007:
      return 'not-ready';
    case 10004:
      return 'out-of-look-back';
    case 429:
    case 1016:
      return 'rate-limited';
    case 1014:
      return 'job-limit';
  }
  if (status === 429) return 'rate-limited';
  if (status === 400 && /exceeded limit/i.test(body.detail ?? '')) return 'job-limit';
  if (status >= 500 || body.code === 500 || body.code === 503) return 'transient';
  return 'unexpected';
}

/**
 * Classifies a non-2xx answer. The message names the endpoint, HTTP status and NAVER's code and a safe description:
 * the invalid-signature problem body echoes the signature in `signature` and `detail`, so those are never copied.
 */
export function classifyHttpFailure(endpoint: string, httpStatus: number, bodyText: string): NaverError {
  const body = parseBody(bodyText);
  const kind = kindOf(httpStatus, body);
  const naverCode = body.code ?? body.type;
  const isSignatureProblem = (body.type ?? '').endsWith(':invalid-signature');
  const said = isSignatureProblem
    ? body.title
    : body.header
      ? `${body.title ?? 'Missing Header'} ${body.header}`
      : (body.message ?? body.title ?? (body.name === 'BadRequest' ? body.detail : undefined));
  const codePart = naverCode === undefined ? '' : ` code ${naverCode}`;
  const saidPart = said ? `: ${said.slice(0, 200)}` : '';
  return new NaverError(kind, `NAVER ${endpoint} answered HTTP ${httpStatus}${codePart} (${kind})${saidPart}`, {
    endpoint,
    httpStatus,
    naverCode,
  });
}
