import { randomBytes } from 'node:crypto';
import { LeaseLostError } from '@reportline/lease-holder';
import { createNaverClient, RateBudget } from '@reportline/naver-client';
import { ConfigError, loadConfig } from '@reportline/platform';
import { describe, expect, it } from 'vitest';
import { fetcherConfig, isNaverHost, naverOrigin } from '../src/config.ts';
import { describeFailure } from '../src/domain/failure.ts';
import { countNaverRequests, releaseOutcome } from '../src/naver-requests.ts';

const env = {
  KAFKA_BROKERS: '127.0.0.1:9092',
  DATABASE_URL: 'postgres://u@127.0.0.1:5432/db',
  SECRETS_KEY: randomBytes(32).toString('base64'),
  NAVER_BASE_URL: 'http://127.0.0.1:1',
};
const configError = (vars: Record<string, string>) => {
  try {
    loadConfig(fetcherConfig, { ...env, ...vars });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a configuration error');
};

describe('fetcher lease configuration', () => {
  it('defaults the safety margin to the default NAVER timeout plus drift (35 s)', () => {
    const c = loadConfig(fetcherConfig, env);
    expect(c).toMatchObject({ NAVER_TIMEOUT_MS: 30_000, LEASE_SAFETY_MARGIN_MS: 35_000 });
  });

  it('requires INTERNAL_API_TOKEN with LOCK_SERVICE_URL, naming both, and never echoes a token', () => {
    const message = configError({ LOCK_SERVICE_URL: 'http://127.0.0.1:2' });
    expect(message).toContain('INTERNAL_API_TOKEN');
    expect(message).toContain('LOCK_SERVICE_URL');
    const short = 'tooshort-secret';
    const tooShort = configError({ LOCK_SERVICE_URL: 'http://127.0.0.1:2', INTERNAL_API_TOKEN: short });
    expect(tooShort).toContain('at least 32');
    expect(tooShort).not.toContain(short);
    const token = randomBytes(32).toString('base64url');
    const c = loadConfig(fetcherConfig, { ...env, LOCK_SERVICE_URL: 'http://127.0.0.1:2', INTERNAL_API_TOKEN: token });
    expect(c.INTERNAL_API_TOKEN).toBe(token);
  });

  it('rejects a safety margin shorter than the NAVER timeout plus the drift margin', () => {
    expect(configError({ LEASE_SAFETY_MARGIN_MS: '34999' })).toMatch(/LEASE_SAFETY_MARGIN_MS.*NAVER_TIMEOUT_MS/);
    expect(configError({ NAVER_TIMEOUT_MS: '60000' })).toContain('LEASE_SAFETY_MARGIN_MS');
    expect(
      loadConfig(fetcherConfig, { ...env, NAVER_TIMEOUT_MS: '5000', LEASE_SAFETY_MARGIN_MS: '10000' }),
    ).toBeTruthy();
  });
});

describe('the X-Reportline-Origin attribution header', () => {
  const NAVER = 'https://api.searchad.naver.com';

  it('is off by default, for the simulator and for NAVER alike', () => {
    for (const url of [env.NAVER_BASE_URL, NAVER]) {
      const c = loadConfig(fetcherConfig, { ...env, NAVER_BASE_URL: url });
      expect(c.NAVER_SEND_ORIGIN).toBe(false);
      expect(naverOrigin(c, 'imp-1', 7)).toBeUndefined();
    }
  });

  it('is one origin per lease grant when turned on for the simulator', () => {
    const c = loadConfig(fetcherConfig, { ...env, NAVER_SEND_ORIGIN: 'true' });
    expect(naverOrigin(c, 'imp-1', 7)).toBe('imp-1#7');
    expect(loadConfig(fetcherConfig, { ...env, NAVER_SEND_ORIGIN: 'false' }).NAVER_SEND_ORIGIN).toBe(false);
  });

  it('cannot be turned on for a NAVER host', () => {
    for (const url of [NAVER, 'https://API.naver.com/', 'https://naver.com']) {
      expect(configError({ NAVER_BASE_URL: url, NAVER_SEND_ORIGIN: 'true' })).toContain('NAVER_SEND_ORIGIN');
    }
    expect(isNaverHost('http://127.0.0.1:4010')).toBe(false);
    expect(isNaverHost('https://notnaver.com')).toBe(false);
    expect(isNaverHost('https://api.searchad.naver.com.')).toBe(true);
  });

  it('reaches the wire only when the config gives an origin', async () => {
    const sent = async (origin: string | undefined) => {
      let headers: Headers | undefined;
      const client = createNaverClient({
        baseUrl: NAVER,
        apiKey: 'k',
        secret: 's',
        customerId: '338047',
        limiter: new RateBudget({ maxPerSecond: 0 }),
        fetch: (async (_url: string, init: RequestInit) => {
          headers = new Headers(init.headers);
          return Response.json([]);
        }) as unknown as typeof fetch,
        origin,
      });
      await client.listStatReports();
      return headers!.get('x-reportline-origin');
    };
    const off = loadConfig(fetcherConfig, { ...env, NAVER_BASE_URL: NAVER });
    expect(await sent(naverOrigin(off, 'imp-1', 7))).toBeNull();
    const on = loadConfig(fetcherConfig, { ...env, NAVER_SEND_ORIGIN: 'true' });
    expect(await sent(naverOrigin(on, 'imp-1', 7))).toBe('imp-1#7');
  });
});

describe('fetcher lease outcomes', () => {
  it('says the NAVER work exceeded the maximum lease hold, retryable, distinct from running out of lease', () => {
    const maxHold = describeFailure(new LeaseLostError('gone', 'max-hold', 1_800_000), '338047');
    expect(maxHold).toMatchObject({ code: 'lease-max-hold', retryable: true });
    expect(maxHold.message).toContain('exceeded the maximum lease hold of 30 minutes');
    expect(describeFailure(new LeaseLostError('gone', 'deadline'), '338047').code).toBe('lease-deadline');
    expect(describeFailure(new LeaseLostError('gone', 'refused'), '338047').code).toBe('lease-deadline');
  });

  it('counts NAVER requests abandoned by a timeout or an abort, and releases those runs as aborted', async () => {
    const failing = (err: unknown) => (async () => Promise.reject(err)) as unknown as typeof fetch;
    const cases: [typeof fetch, AbortSignal | undefined, number][] = [
      [failing(new DOMException('timed out', 'TimeoutError')), undefined, 1],
      [failing(new DOMException('aborted', 'AbortError')), undefined, 1],
      [failing(new LeaseLostError('lease gone')), AbortSignal.abort(new LeaseLostError('lease gone')), 1],
      [failing(new TypeError('fetch failed')), undefined, 0],
    ];
    for (const [impl, signal, abandoned] of cases) {
      const naver = countNaverRequests(impl);
      await expect(naver.fetch('http://naver.test/x', { signal })).rejects.toBeDefined();
      expect({ requests: naver.requests, abandoned: naver.abandoned }).toEqual({ requests: 1, abandoned });
    }
    const ok = countNaverRequests((async () => new Response('ok')) as unknown as typeof fetch);
    await ok.fetch('http://naver.test/x');
    expect(ok.abandoned).toBe(0);
    expect(releaseOutcome('done', 0)).toBe('done');
    expect(releaseOutcome('failed', 0)).toBe('failed');
    expect(releaseOutcome('done', 1)).toBe('aborted');
    expect(releaseOutcome('failed', 2)).toBe('aborted');
  });
});
