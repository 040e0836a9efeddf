import { PreflightResult } from '@reportline/contracts';
import type { Preflight } from './connection-lifecycle.ts';

/**
 * The sheets-writer's preflight over HTTP. Any answer but a parsed 200 throws: the caller answers 503 and changes
 * nothing, since a target that could not be checked is not known to be writable.
 */
export function httpPreflight(opts: { baseUrl: string; credential: string; timeoutMs: number }): Preflight {
  return async (request) => {
    const res = await fetch(new URL('/internal/preflight', opts.baseUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${opts.credential}` },
      body: JSON.stringify(request),
      signal: AbortSignal.timeout(opts.timeoutMs),
    });
    if (res.status !== 200) throw new Error(`the sheets-writer answered the preflight with ${res.status}`);
    return PreflightResult.parse(await res.json());
  };
}

/** The lock-service's public lock view of a customer id (it carries no fencing tokens); undefined on 404. */
export type LockView = (customerId: string, limit: number) => Promise<unknown | undefined>;

export function httpLockView(opts: { baseUrl: string; timeoutMs: number }): LockView {
  return async (customerId, limit) => {
    const url = new URL(`/locks/${encodeURIComponent(customerId)}`, opts.baseUrl);
    url.searchParams.set('limit', String(limit));
    const res = await fetch(url, { signal: AbortSignal.timeout(opts.timeoutMs) });
    if (res.status === 404) return undefined;
    if (res.status !== 200) throw new Error(`the lock-service answered ${res.status}`);
    return res.json();
  };
}
