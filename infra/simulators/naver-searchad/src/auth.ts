import type { SimCustomer } from './config.ts';
import { invalidSignature, invalidTimestamp, missingHeader, type NaverFailure, noPermission } from './naver-errors.ts';
import { signatureMatches } from './signature.ts';

export type AuthResult = { ok: true; customer: SimCustomer } | { ok: false; failure: NaverFailure };

type Headers = Record<string, string | string[] | undefined>;

// Node hands header names over lower-cased, and HTTP header names are case-insensitive, so `x-api-key` is X-API-KEY.
const header = (headers: Headers, name: string): string | undefined => {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
};

/**
 * The gateway's checks, in the order a client meets them: required headers (X-API-KEY first, as #642 shows for a bare
 * download), timestamp window, signature over `{ts}.{METHOD}.{path without query}`, then the license↔customer link (1018).
 * An unknown API key cannot be verified, so it answers invalid-signature too.
 */
export function authenticate(
  headers: Headers,
  method: string,
  path: string,
  customers: readonly SimCustomer[],
  nowMs: number,
  clockSkewMs: number,
): AuthResult {
  for (const name of ['X-API-KEY', 'X-Timestamp', 'X-Signature', 'X-Customer']) {
    if (!header(headers, name)) return { ok: false, failure: missingHeader(name) };
  }
  const apiKey = header(headers, 'X-API-KEY')!;
  const timestamp = header(headers, 'X-Timestamp')!;
  const signature = header(headers, 'X-Signature')!;
  const customerId = header(headers, 'X-Customer')!;
  const ts = /^\d{1,16}$/.test(timestamp) ? Number(timestamp) : Number.NaN;
  if (!Number.isFinite(ts) || Math.abs(nowMs - ts) > clockSkewMs) {
    return { ok: false, failure: invalidTimestamp(timestamp) };
  }
  const license = customers.find((c) => c.apiKey === apiKey);
  if (!license || !signatureMatches(license.secret, timestamp, method, path, signature)) {
    return { ok: false, failure: invalidSignature(signature) };
  }
  const customer = customers.find((c) => c.apiKey === apiKey && c.customerId === customerId);
  if (!customer) return { ok: false, failure: noPermission() };
  return { ok: true, customer };
}
