import {
  LeaseHolder,
  LeaseRenewalGranted,
  LeaseRenewalRefused,
  type LeaseRenewalRequest,
  leaseProblemTypes,
} from '@reportline/contracts';
import type { z } from 'zod';

export type RenewalAnswer =
  | ({ held: true } & LeaseRenewalGranted)
  | {
      held: false;
      /** not-held: released, expired, or a stale token; max-hold: the lease reached its maximum total hold. */
      reason: 'not-held' | 'max-hold';
      currentToken: number | null;
      maxHoldMs?: number;
    };

/** The holder's two calls to the lock-service: renew its lease, and read which token holds the lease now. */
export interface LockServiceClient {
  /** `held: false` when the lock-service refused, with why; throws when unreachable or answering off contract. */
  renew(customerId: string, importId: string, token: number): Promise<RenewalAnswer>;
  /** The token holding the customer's lease now, null when nobody holds it. */
  currentToken(customerId: string): Promise<number | null>;
}

export interface LockServiceClientOptions {
  /** INTERNAL_API_TOKEN: both endpoints are internal (they hand out and accept fencing tokens). Never logged. */
  credential: string;
  fetch?: typeof fetch;
  timeoutMs?: number;
}

/**
 * Parses an answer with the lease API's schema (contracts), so a lock-service that answers something else fails loudly
 * here rather than being misread as a lease. The error names the fields, never their values.
 */
function parse<S extends z.ZodType>(schema: S, body: unknown, what: string): z.infer<S> {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ');
  throw new Error(`lock-service ${what} answered outside the lease API contract (${issues})`);
}

export function lockServiceClient(baseUrl: string, opts: LockServiceClientOptions): LockServiceClient {
  const doFetch = opts.fetch ?? fetch;
  const timeoutMs = opts.timeoutMs ?? 5_000;
  const authorization = `Bearer ${opts.credential}`;
  const url = (path: string) => new URL(path, baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`).toString();
  const fail = async (what: string, res: Response) => {
    await res.body?.cancel();
    if (res.status === 401) {
      return new Error(
        `lock-service ${what} refused our service credential (HTTP 401): INTERNAL_API_TOKEN must be the same here and at the lock-service`,
      );
    }
    return new Error(`lock-service ${what} answered HTTP ${res.status}`);
  };
  return {
    async renew(customerId, importId, token) {
      const body: LeaseRenewalRequest = { importId, token };
      const res = await doFetch(url(`locks/${customerId}/renewals`), {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
      if (res.status === 409) {
        const refused = parse(LeaseRenewalRefused, await res.json(), 'renewal');
        return {
          held: false,
          reason: refused.type === leaseProblemTypes.maxHold ? 'max-hold' : 'not-held',
          currentToken: refused.currentToken,
          maxHoldMs: refused.maxHoldMs,
        };
      }
      if (!res.ok) throw await fail('renewal', res);
      return { held: true, ...parse(LeaseRenewalGranted, await res.json(), 'renewal') };
    },
    async currentToken(customerId) {
      const res = await doFetch(url(`locks/${customerId}/holder`), {
        headers: { authorization },
        signal: AbortSignal.timeout(timeoutMs),
      });
      if (res.status === 404) {
        await res.body?.cancel();
        return null;
      }
      if (!res.ok) throw await fail('holder read', res);
      return parse(LeaseHolder, await res.json(), 'holder read').holder?.token ?? null;
    },
  };
}
