import type { ImportRequest } from './events/imports.ts';
import type { EventOfType, ReportlineEvent } from './registry.ts';

const importId = '0b0c5b9e-3f3e-4c36-9a57-0d6f7f1d2a10';
const correlationId = '6a8f4b1e-2c1d-4d8e-8f6a-3c2b1a0f9e8d';
const base = (id: string, source: string, causationId: string | null) => ({
  id,
  time: '2026-11-22T05:10:58.000Z',
  source,
  importId,
  customerId: '338047',
  correlationId,
  causationId,
});
const blob = (key: string, bytes: number) => ({
  uri: `blob://pg/${key}`,
  bytes,
  sha256: 'a'.repeat(64),
  contentType: 'text/tab-separated-values+gzip',
});

const connectionId = '9d7a7c4e-1b2a-4f0e-8d3c-2b1a0f9e8d7c';
const target = { spreadsheetId: '1AbCdEfGh', sheetName: '로우데이터' };
const request: ImportRequest = {
  connectionId,
  trigger: 'scheduled',
  priority: 'scheduled',
  reportTypes: ['AD', 'AD_CONVERSION'],
  dateRange: { from: '2026-11-15', to: '2026-11-21' },
  target,
};
const grant = { leaseTtlMs: 30_000, leaseExpiresAt: '2026-11-22T05:11:28.000Z', waitedMs: 1200 };
const downloaded: EventOfType<'ReportsDownloaded'>['data'] = {
  reports: [
    { reportType: 'AD', statDate: '2026-11-15', outcome: 'built', file: blob('raw/338047/AD/2026-11-15', 18_230) },
    { reportType: 'AD', statDate: '2026-11-16', outcome: 'none' },
  ],
  naverRequests: 31,
  clamped: [],
};
const processed: EventOfType<'RowsProcessed'>['data'] = {
  rows: blob('rows/0b0c5b9e', 52_004),
  rowCount: 812,
  columns: ['date', 'campaignId', 'impressions', 'clicks', 'cost'],
  dateRange: { from: '2026-11-15', to: '2026-11-21' },
};

// A credentials check is its own unit of work: its id is the envelope's importId, and its request the correlation.
const checkId = '5e2f0c1a-7b3d-4e8f-9a6b-1c2d3e4f5a6b';
const checkBase = (id: string, source: string, causationId: string | null) => ({
  ...base(id, source, causationId),
  importId: checkId,
  correlationId: '17171717-1717-4717-8717-171717171717',
});
const check = { connectionId, reason: 'rotated' as const };

/** One valid example per published event version; validated by the contracts tests and shown to other teams. */
export const examples: readonly ReportlineEvent[] = [
  {
    ...base(correlationId, 'scheduler', null),
    type: 'ImportRequested',
    version: 1,
    data: request,
  },
  {
    // Another import's request (its own id and correlation): one import is requested once.
    ...base('3c3c3c3c-3c3c-4c3c-8c3c-3c3c3c3c3c3c', 'scheduler', null),
    importId: '4d4d4d4d-4d4d-4d4d-8d4d-4d4d4d4d4d4d',
    correlationId: '3c3c3c3c-3c3c-4c3c-8c3c-3c3c3c3c3c3c',
    type: 'ImportRequested',
    version: 2,
    data: {
      ...request,
      historyDays: 30,
      layout: {
        version: 1,
        dimensions: ['date', 'campaign', 'device'],
        metrics: ['impressions', 'clicks', 'cost', 'ctr'],
        ids: false,
        granularity: 'week',
        language: 'en',
        vatBasis: 'excl-vat',
      },
    },
  },
  {
    ...base('bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb', 'lock-service', correlationId),
    type: 'LockQueued',
    version: 1,
    data: { priority: 'scheduled', position: 2, queueLength: 3, maxQueueWaitMs: 3_600_000 },
  },
  {
    ...base('12121212-1212-4212-8212-121212121212', 'naver-fetcher', correlationId),
    type: 'LeaseRequested',
    version: 1,
    data: { request, naverReports: 4, storeReports: 10, verifyCredentials: false },
  },
  {
    ...base('11111111-1111-4111-8111-111111111111', 'lock-service', correlationId),
    type: 'LockGranted',
    version: 1,
    fencingToken: 42,
    data: grant,
  },
  {
    ...base('dddddddd-dddd-4ddd-8ddd-dddddddddddd', 'lock-service', correlationId),
    type: 'LockGranted',
    version: 2,
    fencingToken: 42,
    data: { ...grant, request },
  },
  {
    ...base('22222222-2222-4222-8222-222222222222', 'lock-service', correlationId),
    type: 'LeaseRenewed',
    version: 1,
    fencingToken: 42,
    data: { leaseTtlMs: 30_000, leaseExpiresAt: '2026-11-22T05:11:58.000Z' },
  },
  {
    ...base('33333333-3333-4333-8333-333333333333', 'naver-fetcher', correlationId),
    type: 'LeaseReleased',
    version: 1,
    fencingToken: 42,
    data: { outcome: 'done', naverRequests: 31 },
  },
  {
    ...base('cccccccc-cccc-4ccc-8ccc-cccccccccccc', 'naver-fetcher', correlationId),
    type: 'LeaseReleased',
    version: 2,
    fencingToken: 42,
    data: { outcome: 'aborted', naverRequests: 31 },
  },
  {
    ...base('44444444-4444-4444-8444-444444444444', 'lock-service', correlationId),
    type: 'LeaseExpired',
    version: 1,
    fencingToken: 42,
    data: { expiredAt: '2026-11-22T05:11:28.000Z', lockDelayUntil: '2026-11-22T05:12:28.000Z' },
  },
  {
    ...base('55555555-5555-4555-8555-555555555555', 'naver-fetcher', correlationId),
    type: 'ChunkDownloaded',
    version: 1,
    fencingToken: 42,
    data: { reportType: 'AD', statDate: '2026-11-15', outcome: 'built', bytes: 18_230, completed: 1, total: 14 },
  },
  {
    ...base('66666666-6666-4666-8666-666666666666', 'naver-fetcher', correlationId),
    type: 'ReportsDownloaded',
    version: 1,
    fencingToken: 42,
    data: downloaded,
  },
  {
    ...base('eeeeeeee-eeee-4eee-8eee-eeeeeeeeeeee', 'naver-fetcher', correlationId),
    type: 'ReportsDownloaded',
    version: 2,
    fencingToken: 42,
    data: { ...downloaded, connectionId, target },
  },
  {
    ...base('13131313-1313-4313-8313-131313131313', 'naver-fetcher', correlationId),
    type: 'ChunkDownloaded',
    version: 2,
    data: {
      source: 'store',
      reports: [
        { reportType: 'AD', statDate: '2026-11-15', outcome: 'built' },
        { reportType: 'AD', statDate: '2026-11-16', outcome: 'none' },
      ],
      bytes: 18_230,
      completed: 2,
      total: 14,
    },
  },
  {
    ...base('14141414-1414-4414-8414-141414141414', 'naver-fetcher', correlationId),
    type: 'ReportsDownloaded',
    version: 3,
    fencingToken: 42,
    data: {
      reports: [
        {
          reportType: 'AD',
          statDate: '2026-11-15',
          outcome: 'built',
          source: 'store',
          generatedAt: '2026-11-16T21:04:11.000Z',
          file: blob('raw/338047/AD/2026-11-15/20261116T210411Z', 18_230),
          rows: 412,
        },
        {
          reportType: 'AD',
          statDate: '2026-11-20',
          outcome: 'none',
          source: 'naver',
          generatedAt: '2026-11-22T05:10:31.000Z',
          rows: 0,
        },
      ],
      pending: [
        {
          reportType: 'AD',
          statDate: '2026-11-21',
          code: 'not-ready',
          reason: 'NAVER is still aggregating 2026-11-21 (20007); asked again later',
        },
      ],
      clamped: [],
      naverRequests: 9,
      reportJobs: 2,
      master: blob('master/338047', 90_112),
      connectionId,
      target,
    },
  },
  {
    ...base('77777777-7777-4777-8777-777777777777', 'processor', correlationId),
    type: 'RowsProcessed',
    version: 1,
    data: processed,
  },
  {
    ...base('ffffffff-ffff-4fff-8fff-ffffffffffff', 'processor', correlationId),
    type: 'RowsProcessed',
    version: 2,
    data: { ...processed, connectionId, target },
  },
  {
    ...base('15151515-1515-4515-8515-151515151515', 'processor', correlationId),
    type: 'RowsProcessed',
    version: 3,
    data: {
      rows: { ...blob('rows/0b0c5b9e', 52_004), contentType: 'application/x-ndjson; format=reportline.rows.v2' },
      rowCount: 812,
      columns: [
        { key: 'date', header: '날짜', type: 'date' },
        { key: 'campaignName', header: '캠페인', type: 'string' },
        { key: 'impressions', header: '노출수', type: 'number' },
        { key: 'cost', header: '비용(VAT포함)', type: 'number' },
      ],
      granularity: 'day',
      dates: [
        { date: '2026-11-15', generatedAt: '2026-11-16T21:04:11.000Z' },
        { date: '2026-11-16', generatedAt: '2026-11-22T05:10:31.000Z' },
      ],
      pending: [{ date: '2026-11-21', reason: 'NAVER is still aggregating 2026-11-21 (20007); asked again later' }],
      unnamed: 0,
      connectionId,
      target,
    },
  },
  {
    ...base('88888888-8888-4888-8888-888888888888', 'sheets-writer', correlationId),
    type: 'SheetWritten',
    version: 1,
    data: { spreadsheetId: '1AbCdEfGh', sheetName: '로우데이터', rowsWritten: 812, writeJobId: 'w-0b0c5b9e' },
  },
  {
    ...base('16161616-1616-4616-8616-161616161616', 'sheets-writer', correlationId),
    type: 'SheetWritten',
    version: 2,
    data: {
      spreadsheetId: '1AbCdEfGh',
      sheetName: '로우데이터',
      rowsWritten: 812,
      writeJobId: 'w-0b0c5b9e',
      rowsInTab: 24_310,
      writtenDates: ['2026-11-15', '2026-11-16'],
      skippedDates: [],
      pendingDates: ['2026-11-21'],
      trimmedDates: ['2025-11-16'],
      replayed: false,
    },
  },
  {
    ...base('99999999-9999-4999-8999-999999999999', 'sheets-writer', correlationId),
    type: 'ImportCompleted',
    version: 1,
    data: { rowsWritten: 812, spreadsheetId: '1AbCdEfGh', sheetName: '로우데이터' },
  },
  {
    ...base('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'naver-fetcher', correlationId),
    type: 'ImportFailed',
    version: 1,
    data: {
      stage: 'download',
      code: 'naver-credentials-invalid',
      message: 'NAVER rejected the API key for customer 338047 (invalid signature); reconnect the account.',
      retryable: false,
    },
  },
  {
    ...checkBase('17171717-1717-4717-8717-171717171717', 'scheduler', null),
    type: 'CredentialsCheckRequested',
    version: 1,
    data: check,
  },
  {
    ...checkBase('18181818-1818-4818-8818-181818181818', 'naver-fetcher', '17171717-1717-4717-8717-171717171717'),
    type: 'LeaseRequested',
    version: 2,
    data: { priority: 'on-demand', work: { kind: 'credentials-check', check } },
  },
  {
    ...checkBase('19191919-1919-4919-8919-191919191919', 'lock-service', '18181818-1818-4818-8818-181818181818'),
    type: 'LockGranted',
    version: 3,
    fencingToken: 43,
    data: { ...grant, work: { kind: 'credentials-check', check } },
  },
  {
    ...checkBase('20202020-2020-4020-8020-202020202020', 'naver-fetcher', '19191919-1919-4919-8919-191919191919'),
    type: 'CredentialsChecked',
    version: 1,
    fencingToken: 43,
    data: {
      connectionId,
      ok: false,
      code: 'naver-license-not-linked',
      message: 'NAVER answered 1018 (no permission): the API license is not linked to customer 338047',
      action:
        'Link the API license to customer 338047 in NAVER Search Ad, or connect with an API key and secret issued ' +
        'for customer 338047, then update the connection',
      retryable: false,
    },
  },
];
