import { createServiceMetrics } from '@reportline/platform';
import { describe, expect, it } from 'vitest';
import { countNaverRequests, naverEndpoint } from '../src/naver-requests.ts';

describe('naverEndpoint', () => {
  it.each([
    ['POST', 'http://naver.test/stat-reports', 'stat-reports.create'],
    ['GET', 'http://naver.test/stat-reports', 'stat-reports.list'],
    ['GET', 'http://naver.test/stat-reports/123456789', 'stat-reports.get'],
    ['DELETE', 'http://naver.test/stat-reports/123456789', 'stat-reports.delete'],
    ['POST', 'http://naver.test/api/master-reports', 'master-reports.create'],
    ['DELETE', 'http://naver.test/master-reports', 'master-reports.delete-all'],
    ['DELETE', 'http://naver.test/master-reports/ABC', 'master-reports.delete'],
    ['GET', 'http://naver.test/report-download?authtoken=x&fileVersion=v2', 'download'],
    ['PUT', 'http://naver.test/ncc/campaigns', 'other'],
  ])('%s %s is %s (a fixed set: no id in the label)', (method, url, endpoint) => {
    expect(naverEndpoint(method, url)).toBe(endpoint);
  });
});

describe('countNaverRequests with metrics', () => {
  it('counts by endpoint and status class, 429s apart, and requests without an answer as error', async () => {
    const metrics = createServiceMetrics('naver-fetcher', { defaultMetrics: false });
    const statuses = [200, 429, 500];
    const fake: typeof fetch = async () => {
      const status = statuses.shift();
      if (status === undefined) throw Object.assign(new Error('timed out'), { name: 'TimeoutError' });
      return new Response(null, { status });
    };
    const naver = countNaverRequests(fake, metrics);
    for (let i = 0; i < 4; i++)
      await naver.fetch('http://naver.test/stat-reports/1', { method: 'GET' }).catch(() => undefined);
    const text = await metrics.registry.metrics();
    for (const cls of ['2xx', '4xx', '5xx', 'error'])
      expect(text).toContain(
        `reportline_naver_requests_total{endpoint="stat-reports.get",status_class="${cls}",service="naver-fetcher"} 1`,
      );
    expect(text).toContain(
      'reportline_naver_rate_limited_total{endpoint="stat-reports.get",service="naver-fetcher"} 1',
    );
    expect(naver.requests).toBe(4);
    expect(naver.abandoned).toBe(1);
  });
});
