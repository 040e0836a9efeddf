/** The holder's two calls to the lock-service: renew its lease, and read which token holds the lease now. */
export interface LockServiceClient {
  /** `held: false` when the lock-service refused (released, expired, or a stale token); throws when unreachable. */
  renew(
    customerId: string,
    importId: string,
    token: number,
  ): Promise<{ held: true; leaseTtlMs: number } | { held: false }>;
  /** The token holding the customer's lease now, null when nobody holds it. */
  currentToken(customerId: string): Promise<number | null>;
}

export function lockServiceClient(
  baseUrl: string,
  opts: { fetch?: typeof fetch; timeoutMs?: number } = {},
): LockServiceClient {
  const doFetch = opts.fetch ?? fetch;
  const timeoutMs = opts.timeoutMs ?? 5_000;
  const url = (path: string) => new URL(path, baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`).toString();
  const fail = (what: string, status: number) => new Error(`lock-service ${what} answered HTTP ${status}`);
  return {
    async renew(customerId, importId, token) {
      const res = await doFetch(url(`locks/${customerId}/renewals`), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ importId, token }),
        signal: AbortSignal.timeout(timeoutMs),
      });
      if (res.status === 409) {
        await res.body?.cancel();
        return { held: false };
      }
      if (!res.ok) throw fail('renewal', res.status);
      const body = (await res.json()) as { leaseTtlMs: number };
      return { held: true, leaseTtlMs: body.leaseTtlMs };
    },
    async currentToken(customerId) {
      const res = await doFetch(url(`locks/${customerId}/holder`), { signal: AbortSignal.timeout(timeoutMs) });
      if (res.status === 404) {
        await res.body?.cancel();
        return null;
      }
      if (!res.ok) throw fail('holder read', res.status);
      const body = (await res.json()) as { holder: { token: number } | null };
      return body.holder?.token ?? null;
    },
  };
}
