import { createHmac } from 'node:crypto';

/** The path every report download is signed over, whatever the full downloadUrl says (PHP sample DOWNLOAD(), #643). */
export const DOWNLOAD_SIGNING_PATH = '/report-download';

export interface NaverCredentials {
  apiKey: string;
  secret: string;
  customerId: string;
}

/**
 * NAVER signs `{timestamp}.{METHOD}.{path}`: the path as sent (percent-encoded, path params included) and never the
 * query string (#210) — signing the query is the most common cause of invalid-signature.
 */
export function signatureBase(timestampMs: string, method: string, path: string): string {
  if (path.includes('?')) throw new Error('signature path must not contain a query string');
  if (!path.startsWith('/')) throw new Error('signature path must start with "/"');
  return `${timestampMs}.${method.toUpperCase()}.${path}`;
}

/** Base64 (with padding, not hex) of HMAC-SHA256 keyed by the secret's raw UTF-8 bytes — never base64-decoded (#1029). */
export function sign(secret: string, timestampMs: string, method: string, path: string): string {
  return createHmac('sha256', Buffer.from(secret, 'utf8'))
    .update(signatureBase(timestampMs, method, path), 'utf8')
    .digest('base64');
}

/** The four auth headers NAVER requires on every request, downloads included. */
export function authHeaders(
  credentials: NaverCredentials,
  timestampMs: number,
  method: string,
  path: string,
): Record<string, string> {
  const timestamp = String(Math.trunc(timestampMs));
  return {
    'X-Timestamp': timestamp,
    'X-API-KEY': credentials.apiKey,
    'X-Customer': credentials.customerId,
    'X-Signature': sign(credentials.secret, timestamp, method, path),
  };
}
