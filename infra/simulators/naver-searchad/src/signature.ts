import { createHmac, timingSafeEqual } from 'node:crypto';

// NAVER's gateway side of request signing, written from ../shared/reference/naver-searchad-api.md §2 and sharing no
// code with @reportline/naver-client: the simulator is the client's oracle, so a signing bug in the client must make
// the simulator answer invalid-signature, not agree with it.

/**
 * `{X-Timestamp}.{METHOD}.{uri}`, where uri is the request target's path as sent (still percent-encoded, #210) with
 * everything from `?` dropped: NAVER never signs the query, and downloads are signed over `/report-download` alone.
 */
export function naverSigningBase(timestamp: string, method: string, requestTarget: string): string {
  const queryAt = requestTarget.indexOf('?');
  const path = queryAt === -1 ? requestTarget : requestTarget.slice(0, queryAt);
  return `${timestamp}.${method.toUpperCase()}.${path}`;
}

/** Standard padded Base64 (not hex) of HMAC-SHA256 keyed by the secret's UTF-8 bytes as given — not decoded (#1029). */
export function naverSignature(secret: string, timestamp: string, method: string, requestTarget: string): string {
  return createHmac('sha256', Buffer.from(secret, 'utf8'))
    .update(naverSigningBase(timestamp, method, requestTarget), 'utf8')
    .digest('base64');
}

/** Constant-time, so the simulator does not teach a timing oracle; a different length is simply wrong. */
export function signatureMatches(
  secret: string,
  timestamp: string,
  method: string,
  requestTarget: string,
  presented: string,
): boolean {
  const expected = Buffer.from(naverSignature(secret, timestamp, method, requestTarget), 'utf8');
  const given = Buffer.from(presented, 'utf8');
  return expected.length === given.length && timingSafeEqual(expected, given);
}
