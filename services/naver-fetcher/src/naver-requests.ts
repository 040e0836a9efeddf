import type { ServiceMetrics } from '@reportline/platform';

export type FetcherMetrics = Pick<ServiceMetrics, 'naverRequests' | 'naverRateLimited' | 'reportDays'>;

/**
 * The NAVER endpoint of a request, as a label: a small fixed set, never the path itself (job ids are in it). A
 * download is fetched from the URL NAVER hands out, whatever its path, so any other GET is counted as a download.
 */
export function naverEndpoint(method: string, url: string): string {
  const path = URL.canParse(url) ? new URL(url).pathname : url.split('?')[0]!;
  const m = method.toUpperCase();
  // Matched at the end of the path: a base URL may put the API under a prefix.
  const api = /\/(stat-reports|master-reports)(\/[^/]+)?\/?$/.exec(path);
  if (!api) return m === 'GET' ? 'download' : 'other';
  const [, name, id] = api;
  const verb = id ? { GET: 'get', DELETE: 'delete' }[m] : { POST: 'create', GET: 'list', DELETE: 'delete-all' }[m];
  return `${name}.${verb ?? 'other'}`;
}

const statusClass = (status: number) => (status >= 200 && status < 600 ? `${Math.floor(status / 100)}xx` : 'other');

/**
 * Counts the NAVER requests of a run, and those it abandoned: ended by a timeout or by an abort (the lease signal).
 * NAVER may still be working on an abandoned request after we stopped waiting for it.
 */
export function countNaverRequests(fetchImpl: typeof fetch, metrics?: FetcherMetrics) {
  const counts = { requests: 0, abandoned: 0 };
  const counted: typeof fetch = async (input, init) => {
    counts.requests++;
    const url = input instanceof Request ? input.url : String(input);
    const endpoint = naverEndpoint(init?.method ?? (input instanceof Request ? input.method : 'GET'), url);
    try {
      const res = await fetchImpl(input, init);
      metrics?.naverRequests.inc({ endpoint, status_class: statusClass(res.status) });
      if (res.status === 429) metrics?.naverRateLimited.inc({ endpoint });
      return res;
    } catch (err) {
      metrics?.naverRequests.inc({ endpoint, status_class: 'error' });
      // fetch rejects with AbortError / TimeoutError, or with the signal's own reason (a LeaseLostError).
      const name = err instanceof Error ? err.name : '';
      if (name === 'AbortError' || name === 'TimeoutError' || init?.signal?.aborted) counts.abandoned++;
      throw err;
    }
  };
  return {
    fetch: counted,
    get requests() {
      return counts.requests;
    },
    get abandoned() {
      return counts.abandoned;
    },
  };
}

/**
 * How a run releases its lease: 'aborted' once any NAVER request of it was abandoned, so the lock-service waits out
 * its lock-delay (the abandoned call may still be running at NAVER) before it grants the next import.
 */
export const releaseOutcome = (outcome: 'done' | 'failed', abandoned: number) =>
  abandoned > 0 ? ('aborted' as const) : outcome;
