// Another tool on the same NAVER customer id (a person's second report tool, an agency's script): it holds the same
// API key and secret and calls NAVER directly, outside Reportline's leases, which is what makes NAVER's shared job
// pool dangerous (a DELETE /stat-reports without id removes every job of the customer id, and the 101st create
// evicts the oldest). Its signer is written here from NAVER's documented scheme and shares no code with the fetcher
// or the NAVER client: a bug in theirs must not be copied into the fault that tests them.
import { createHmac } from 'node:crypto';

export interface ForeignCredentials {
  customerId: string;
  apiKey: string;
  secret: string;
}

/** The label the NAVER simulator records this tool's requests under (X-Sim-Foreign): bookkeeping, never behaviour. */
export const FOREIGN_TOOL = 'chaos-foreign-tool';

/** Base64 HMAC-SHA256, keyed by the secret's UTF-8 bytes, of `{timestamp}.{METHOD}.{path without query}`. */
export function foreignSignature(secret: string, timestamp: string, method: string, path: string): string {
  const uri = path.split('?')[0]!;
  return createHmac('sha256', secret).update(`${timestamp}.${method.toUpperCase()}.${uri}`).digest('base64');
}

/** The four headers NAVER requires on every call, plus the simulator's foreign label. */
export function foreignHeaders(c: ForeignCredentials, nowMs: number, method: string, path: string) {
  const timestamp = String(Math.trunc(nowMs));
  return {
    'X-Timestamp': timestamp,
    'X-API-KEY': c.apiKey,
    'X-Customer': c.customerId,
    'X-Signature': foreignSignature(c.secret, timestamp, method, path),
    'X-Sim-Foreign': FOREIGN_TOOL,
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * One call as the other tool makes it: a 429 is waited out and tried again (it shares the customer id's 10 requests a
 * second with Reportline), anything else is the answer.
 */
export async function foreignCall(
  baseUrl: string,
  c: ForeignCredentials,
  method: 'GET' | 'POST' | 'DELETE',
  path: string,
  body?: unknown,
  /** Its host's clock for X-Timestamp, which NAVER checks against its own. */
  nowMs: () => number = Date.now,
): Promise<{ status: number; body: unknown }> {
  for (let attempt = 0; ; attempt++) {
    const res = await fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        ...foreignHeaders(c, nowMs(), method, path),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await res.text();
    if (res.status === 429 && attempt < 20) {
      await sleep(300 + 100 * Math.min(attempt, 5));
      continue;
    }
    let parsed: unknown = text === '' ? undefined : text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON (an empty 204, an HTML error page): the text as it came
    }
    return { status: res.status, body: parsed };
  }
}
