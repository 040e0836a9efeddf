/** The literal error bodies NAVER sends (fact sheet §3). Each layer has its own shape. */
export interface NaverFailure {
  status: number;
  body: unknown;
  /** Content-Type when not JSON (the HTML 429 page). */
  contentType?: string;
}

export const missingHeader = (header: string): NaverFailure => ({
  status: 403,
  body: {
    header,
    detail: `HTTP header required: ${header}`,
    status: 403,
    title: 'Missing Header',
    type: 'urn:naver:api:problem:missing-header',
  },
});

export const invalidTimestamp = (timestamp: string): NaverFailure => ({
  status: 403,
  body: {
    timestamp,
    status: 403,
    type: 'urn:naver:api:problem:invalid-timestamp',
    title: 'Invalid Timestamp',
    detail: 'Request has expired.',
  },
});

export const invalidSignature = (signature: string): NaverFailure => ({
  status: 403,
  body: {
    signature,
    status: 403,
    type: 'urn:naver:api:problem:invalid-signature',
    title: 'Invalid Signature',
    detail: `Signature '${signature}' is invalid.`,
  },
});

export const noPermission = (): NaverFailure => ({
  status: 404,
  body: { code: 1018, status: 404, title: 'No permission to access the resource.' },
});

export const outOfLookBack = (): NaverFailure => ({
  status: 400,
  body: { code: 10004, message: '선택하신 조건에 지표가 확인되지 않습니다. 보고서 항목이나 기간을 조정하세요.' },
});

export const badParameter = (httpStatus: number): NaverFailure => ({
  status: httpStatus,
  body: { code: 11001, message: '잘못된 파라미터 형식입니다.' },
});

export const notReady = (httpStatus: number): NaverFailure => ({
  status: httpStatus,
  body: { code: 20007, message: '해당 일자 지표 준비중입니다.' },
});

export const reportNotFound = (): NaverFailure => ({
  status: 404,
  body: { code: 20011, message: '보고서를 찾을 수 없습니다.' },
});

export const internalError = (): NaverFailure => ({
  status: 500,
  body: { code: 500, message: 'Internal Server Error' },
});

export const masterJobLimit = (limit: number): NaverFailure => ({
  status: 400,
  body: {
    name: 'BadRequest',
    status: 400,
    title: 'Bad Request',
    detail: `exceeded limit of '${limit}' numbers of 'job'`,
  },
});

export const tooManyRequests = (style: 'json' | 'legacy' | 'html'): NaverFailure => {
  if (style === 'legacy') return { status: 429, body: { code: 429, message: 'Too Many Requests' } };
  if (style === 'html') {
    return {
      status: 429,
      contentType: 'text/html; charset=UTF-8',
      body: '<html><head><title>429 Too Many Requests</title></head><body><h1>Too Many Requests</h1></body></html>',
    };
  }
  return {
    status: 429,
    body: { code: 429, status: 429, title: 'Cannot handle the request. Too many requests already exist.' },
  };
};
