import { problemLine } from './format.ts';

/** Why a command stopped, as the one line to print and the exit code (2 for a usage error, else 1). */
export class Failure extends Error {
  readonly line: string;
  readonly exitCode: 1 | 2;
  constructor(line: string, exitCode: 1 | 2 = 1) {
    super(line);
    this.line = line;
    this.exitCode = exitCode;
  }
}

/** An API call that did not succeed; `status` is null when no answer came. */
export class ApiError extends Failure {
  readonly status: number | null;
  constructor(status: number | null, line: string) {
    super(line);
    this.status = status;
  }
}

export interface Answer<T> {
  status: number;
  body: T;
}

export interface Api {
  call<T>(method: string, path: string, body?: unknown): Promise<Answer<T>>;
}

export function apiClient(opts: { baseUrl: string; token: string; timeoutMs?: number }): Api {
  const base = opts.baseUrl.replace(/\/+$/, '');
  return {
    async call<T>(method: string, path: string, body?: unknown): Promise<Answer<T>> {
      let res: Response;
      try {
        res = await fetch(`${base}${path}`, {
          method,
          headers: {
            authorization: `Bearer ${opts.token}`,
            accept: 'application/json, application/problem+json',
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: AbortSignal.timeout(opts.timeoutMs ?? 30_000),
        });
      } catch (err) {
        const cause = (err as { cause?: { code?: string; message?: string } }).cause;
        const why =
          (err as Error).name === 'TimeoutError'
            ? 'no answer in time'
            : (cause?.code ?? cause?.message ?? (err as Error).message);
        throw new ApiError(null, `reportline: cannot reach ${base} (${why}); check REPORTLINE_URL`);
      }
      const text = await res.text();
      let parsed: unknown = null;
      try {
        parsed = text === '' ? null : JSON.parse(text);
      } catch {
        // A proxy's HTML error page: the status line is all there is to say.
      }
      if (!res.ok) throw new ApiError(res.status, problemLine(res.status, parsed, res.statusText));
      return { status: res.status, body: parsed as T };
    },
  };
}
