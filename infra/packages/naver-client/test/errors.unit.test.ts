import { describe, expect, it } from 'vitest';
import { classifyHttpFailure } from '../src/errors.ts';

const c = (status: number, body: unknown) =>
  classifyHttpFailure('GET /stat-reports/1', status, typeof body === 'string' ? body : JSON.stringify(body));

describe('classifyHttpFailure', () => {
  it.each([
    [
      403,
      { status: 403, type: 'urn:naver:api:problem:invalid-signature', title: 'Invalid Signature' },
      'credential-invalid',
    ],
    [
      403,
      { header: 'X-API-KEY', status: 403, title: 'Missing Header', type: 'urn:naver:api:problem:missing-header' },
      'credential-invalid',
    ],
    [404, { code: 1018, status: 404, title: 'No permission to access the resource.' }, 'credential-invalid'],
    [403, { status: 403, type: 'urn:naver:api:problem:invalid-timestamp', title: 'Invalid Timestamp' }, 'clock-skew'],
    [400, { code: 20007, message: '해당 일자 지표 준비중입니다.' }, 'not-ready'],
    [200, { code: 20007, message: '해당 일자 지표 준비중입니다.' }, 'not-ready'],
    [400, { code: 10004, message: '…' }, 'out-of-look-back'],
    [404, { code: 20011, message: '보고서를 찾을 수 없습니다.' }, 'job-vanished'],
    [
      429,
      { code: 429, status: 429, title: 'Cannot handle the request. Too many requests already exist.' },
      'rate-limited',
    ],
    [429, { code: 429, message: 'Too Many Requests' }, 'rate-limited'],
    [429, '<html><body>Too Many Requests</body></html>', 'rate-limited'],
    [400, { code: 1016, message: 'Too many connections' }, 'rate-limited'],
    [
      400,
      { name: 'BadRequest', status: 400, title: 'Bad Request', detail: "exceeded limit of '100' numbers of 'job'" },
      'job-limit',
    ],
    [500, { code: 500, message: 'Internal Server Error' }, 'transient'],
    [503, '', 'transient'],
    [400, { code: 11001, message: '잘못된 파라미터 형식입니다.' }, 'unexpected'],
    [418, 'teapot', 'unexpected'],
  ])('HTTP %i %j → %s', (status, body, kind) => {
    expect(c(status, body).kind).toBe(kind);
  });

  it('names endpoint, status and code, and never copies the echoed signature', () => {
    const error = c(403, {
      signature: 'c2VjcmV0c2lnbmF0dXJl',
      status: 403,
      type: 'urn:naver:api:problem:invalid-signature',
      title: 'Invalid Signature',
      detail: "Signature 'c2VjcmV0c2lnbmF0dXJl' is invalid.",
    });
    expect(error.message).toContain('GET /stat-reports/1');
    expect(error.message).toContain('HTTP 403');
    expect(error.message).toContain('invalid-signature');
    expect(error.message).not.toContain('c2VjcmV0c2lnbmF0dXJl');
    expect(c(404, { code: 20011, message: 'x' })).toMatchObject({
      httpStatus: 404,
      naverCode: 20011,
      retryable: false,
    });
  });
});
