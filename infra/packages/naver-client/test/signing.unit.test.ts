import { webcrypto } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { authHeaders, sign, signatureBase } from '../src/signing.ts';

// Independent path: WebCrypto (subtle) instead of createHmac, so a shared bug in one API cannot hide.
async function subtleSign(secret: string, message: string): Promise<string> {
  const key = await webcrypto.subtle.importKey(
    'raw',
    new TextEncoder().encode(secret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  const mac = await webcrypto.subtle.sign('HMAC', key, new TextEncoder().encode(message));
  return Buffer.from(mac).toString('base64');
}

describe('signing', () => {
  const base = '1457082455307.GET./ncc/campaigns';

  it('builds the documented base string: timestamp.METHOD.path', () => {
    expect(signatureBase('1457082455307', 'get', '/ncc/campaigns')).toBe(base);
  });

  it('matches a fixed vector (computed with openssl) and an independent WebCrypto computation', async () => {
    // printf '%s' '1457082455307.GET./ncc/campaigns' | openssl dgst -sha256 -hmac '<secret>' -binary | base64
    const secret = 'AQAAAADlB6Fz3h+2n3yPZ0vLq5N9xVJ3wBzGtTEST==';
    const expected = '85pcEpla/4B6k1FljoJDEi86QRMqg7S9BqBYH2oQsSw=';
    expect(sign(secret, '1457082455307', 'GET', '/ncc/campaigns')).toBe(expected);
    expect(await subtleSign(secret, base)).toBe(expected);
  });

  it('keys the HMAC with the raw UTF-8 bytes of the secret, not a base64 decoding of it', async () => {
    const secret = '비밀secret';
    expect(sign(secret, '1457082455307', 'GET', '/ncc/campaigns')).toBe('RAck8P4DSN1HuI1kXxk4Qy/S/pRd09qyDfd5oVMCylE=');
    expect(await subtleSign(secret, base)).toBe('RAck8P4DSN1HuI1kXxk4Qy/S/pRd09qyDfd5oVMCylE=');
  });

  it('refuses to sign a query string', () => {
    expect(() => signatureBase('1', 'GET', '/report-download?authtoken=x')).toThrow(/query/);
  });

  it('produces the four headers, signed over the given path', async () => {
    const headers = authHeaders(
      { apiKey: 'k', secret: 's', customerId: '338047' },
      1457082455307,
      'GET',
      '/report-download',
    );
    expect(headers).toEqual({
      'X-Timestamp': '1457082455307',
      'X-API-KEY': 'k',
      'X-Customer': '338047',
      'X-Signature': await subtleSign('s', '1457082455307.GET./report-download'),
    });
  });
});
