import { SpanStatusCode } from '@opentelemetry/api';
import { clientSpan } from '@reportline/platform';
import { classifyHttpFailure, NaverError } from './errors.ts';
import { type RateBudget, sharedRateBudget } from './rate-budget.ts';
import { authHeaders, type NaverCredentials } from './signing.ts';

export interface NaverRequestInfo {
  method: string;
  /** Path only, as signed (downloads: `/report-download`). */
  path: string;
  customerId: string;
}

export interface TransportOptions extends NaverCredentials {
  baseUrl: string;
  fetch?: typeof fetch;
  /** Wall-clock epoch milliseconds for X-Timestamp (default Date.now). */
  now?: () => number;
  /** Awaited right before every request is sent, retries included; if it throws, nothing is sent and the error propagates. */
  guard?: (request: NaverRequestInfo) => Promise<void> | void;
  /**
   * Sent as X-Reportline-Origin so the NAVER simulator can attribute requests to a lease holder. Give it only when
   * baseUrl is the simulator (the fetcher's NAVER_SEND_ORIGIN): NAVER itself has no use for our import ids.
   */
  origin?: string;
  /** Per-request timeout for JSON calls (default 30 s). */
  timeoutMs?: number;
  limiter?: RateBudget;
  /** How many 429s in a row one call absorbs (waiting on the shared budget) before failing as rate-limited (default 8). */
  maxRateLimitRetries?: number;
}

export interface SendRequest {
  method: 'GET' | 'POST' | 'DELETE';
  /** Path signed and, unless `url` is given, appended to baseUrl (may carry a query string; it is not signed). */
  path: string;
  /** Full URL used verbatim (downloads); `path` is then only what gets signed. */
  url?: string;
  body?: unknown;
  signal?: AbortSignal;
  timeoutMs?: number;
}

export interface Transport {
  readonly customerId: string;
  send(request: SendRequest): Promise<Response>;
}

function pathOnly(path: string): string {
  const q = path.indexOf('?');
  return q === -1 ? path : path.slice(0, q);
}

/** Network and timeout failures become `transient`; an abort requested by the caller is rethrown as the caller's reason. */
export function networkFailure(endpoint: string, error: unknown, callerSignal?: AbortSignal): unknown {
  if (callerSignal?.aborted) return callerSignal.reason;
  if (error instanceof NaverError) return error;
  const name = error instanceof Error ? error.name : '';
  const what = name === 'TimeoutError' ? 'timed out' : `failed before an answer (${name || 'network error'})`;
  return new NaverError('transient', `NAVER ${endpoint} ${what}`, { endpoint, cause: error });
}

export function createTransport(options: TransportOptions): Transport {
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const now = options.now ?? Date.now;
  const limiter = options.limiter ?? sharedRateBudget;
  const maxRetries = options.maxRateLimitRetries ?? 8;
  const credentials: NaverCredentials = {
    apiKey: options.apiKey,
    secret: options.secret,
    customerId: options.customerId,
  };

  async function send(request: SendRequest): Promise<Response> {
    const signedPath = pathOnly(request.path);
    const endpoint = `${request.method} ${signedPath}`;
    const url = request.url ?? `${baseUrl}${request.path}`;
    const body = request.body === undefined ? undefined : JSON.stringify(request.body);
    for (let attempt = 0; ; attempt++) {
      await limiter.acquire(credentials.customerId, request.signal);
      await options.guard?.({ method: request.method, path: signedPath, customerId: credentials.customerId });
      const headers: Record<string, string> = authHeaders(credentials, now(), request.method, signedPath);
      if (body !== undefined) headers['Content-Type'] = 'application/json; charset=UTF-8';
      if (options.origin !== undefined) headers['X-Reportline-Origin'] = options.origin;
      const timeout = AbortSignal.timeout(request.timeoutMs ?? options.timeoutMs ?? 30_000);
      const signal = request.signal ? AbortSignal.any([timeout, request.signal]) : timeout;
      // One CLIENT span per attempt (a 429 retried is a second request), child of the handler's span. No
      // traceparent is sent: NAVER is a third party, and our trace ids are none of its business.
      const response = await clientSpan(
        '@reportline/naver-client',
        `NAVER ${endpoint}`,
        { 'http.request.method': request.method, 'url.path': signedPath, 'naver.attempt': attempt },
        async (span) => {
          let answer: Response;
          try {
            answer = await fetchImpl(url, { method: request.method, headers, body, signal });
          } catch (error) {
            throw networkFailure(endpoint, error, request.signal);
          }
          span.setAttribute('http.response.status_code', answer.status);
          // A client span fails on any 4xx/5xx (HTTP conventions); the answer itself is classified below.
          if (!answer.ok) span.setStatus({ code: SpanStatusCode.ERROR, message: `HTTP ${answer.status}` });
          return answer;
        },
      );
      if (response.ok) {
        limiter.recordSuccess(credentials.customerId);
        return response;
      }
      const text = await response.text().catch(() => '');
      const failure = classifyHttpFailure(endpoint, response.status, text);
      if (failure.kind === 'rate-limited') {
        limiter.recordRateLimited(credentials.customerId);
        if (attempt < maxRetries) continue;
      }
      throw failure;
    }
  }

  return { customerId: credentials.customerId, send };
}
