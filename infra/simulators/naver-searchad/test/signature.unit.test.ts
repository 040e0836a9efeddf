import { describe, expect, it } from 'vitest';
import { naverSignature, naverSigningBase, signatureMatches } from '../src/signature.ts';

// Known answers computed outside Node, with OpenSSL, so neither the simulator nor the client vouches for itself:
//   printf '%s' '<base string>' | openssl dgst -sha256 -hmac '<secret>' -binary | base64
const KNOWN_ANSWERS = [
  // The fact sheet's base-string example (§2).
  {
    secret: 'sim-known-answer-secret',
    base: '1457082455307.GET./ncc/campaigns',
    signature: 'bNItKbvyi4O/aRlpoU+cChGjTEVU0Zmt7WgFmJQsUmY=',
  },
  {
    secret: 'sim-known-answer-secret',
    base: '1760065200000.GET./report-download',
    signature: '+sScAkHzvT4v/17TD5vMz7HLC7kCxYa+cqLWR0ek5dQ=',
  },
  {
    secret: 'sim-known-answer-secret',
    base: '1760065200000.DELETE./stat-reports/1598730843',
    signature: 'pRGmUzia24m6WudHyZmyeIIRE2HGBbP4HHH2gY8G6v4=',
  },
  // Non-ASCII and base64-looking secret: keyed by its UTF-8 bytes, never base64-decoded (#1029).
  {
    secret: '네이버-비밀==',
    base: '1760065200000.POST./stat-reports',
    signature: 'C4S1ZR8M45Yk6G32DpCMqS44GSU49K00vMEzPiRLP74=',
  },
] as const;

const split = (base: string) => {
  const [timestamp, method, ...rest] = base.split('.');
  return { timestamp: timestamp!, method: method!, path: rest.join('.') };
};

describe('the simulator’s signature check (NAVER’s rules, its own code)', () => {
  it.each(KNOWN_ANSWERS)('matches the OpenSSL answer for $base', ({ secret, base, signature }) => {
    const { timestamp, method, path } = split(base);
    expect(naverSigningBase(timestamp, method, path)).toBe(base);
    expect(naverSignature(secret, timestamp, method, path)).toBe(signature);
    expect(signatureMatches(secret, timestamp, method, path, signature)).toBe(true);
  });

  it('signs the path only: the query of the request target is dropped, as for a download URL', () => {
    const { secret, signature } = KNOWN_ANSWERS[1];
    const target = '/report-download?authtoken=2l%2FG0aRPWlR4&fileVersion=v2';
    expect(naverSigningBase('1760065200000', 'GET', target)).toBe('1760065200000.GET./report-download');
    expect(signatureMatches(secret, '1760065200000', 'GET', target, signature)).toBe(true);
  });

  it('rejects hex output, a signature over the query, a wrong secret, another method or timestamp', () => {
    const { secret, signature } = KNOWN_ANSWERS[0];
    const ts = '1457082455307';
    const hex = Buffer.from(signature, 'base64').toString('hex');
    expect(signatureMatches(secret, ts, 'GET', '/ncc/campaigns', hex)).toBe(false);
    expect(signatureMatches(secret, ts, 'GET', '/ncc/campaigns', signature.replace(/=$/, ''))).toBe(false);
    expect(signatureMatches('other', ts, 'GET', '/ncc/campaigns', signature)).toBe(false);
    expect(signatureMatches(secret, ts, 'POST', '/ncc/campaigns', signature)).toBe(false);
    expect(signatureMatches(secret, '1457082455308', 'GET', '/ncc/campaigns', signature)).toBe(false);
    expect(signatureMatches(secret, ts, 'GET', '/ncc/campaigns/', signature)).toBe(false);
  });
});
