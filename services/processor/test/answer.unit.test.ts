import {
  type BlobRef,
  type EventOfType,
  makeEvent,
  ReportsDownloadedV1,
  ReportsDownloadedV2,
  ReportsDownloadedV3,
} from '@reportline/contracts';
import { describe, expect, it } from 'vitest';
import { answerFor } from '../src/domain/answer.ts';

const blob = (key: string): BlobRef => ({
  uri: `blob://pg/${key}`,
  bytes: 100,
  sha256: 'b'.repeat(64),
  contentType: 'text/tab-separated-values',
});
const ids = {
  source: 'naver-fetcher',
  importId: '00000000-0000-4000-8000-000000000001',
  customerId: '338047',
  now: new Date('2026-11-22T05:00:00.000Z'),
};
const connectionId = '9d7a7c4e-1b2a-4f0e-8d3c-2b1a0f9e8d7c';
const target = { spreadsheetId: 'sheet-x', sheetName: '로우데이터' };
const generatedAt = '2026-11-21T21:00:00.000Z';
const v3 = (data: Partial<Extract<EventOfType<'ReportsDownloaded'>, { version: 3 }>['data']>) =>
  makeEvent(
    ReportsDownloadedV3,
    { reports: [], pending: [], clamped: [], naverRequests: 0, reportJobs: 0, connectionId, target, ...data },
    ids,
  );

describe('answering a download', () => {
  it('given a v3 of stored and NAVER days, when answered, then every built file is read wherever it came from and NONE days add none', () => {
    const answer = answerFor(
      v3({
        reports: [
          {
            reportType: 'AD',
            statDate: '2026-11-16',
            outcome: 'built',
            source: 'naver',
            generatedAt,
            file: blob('n16'),
            rows: 3,
          },
          {
            reportType: 'AD',
            statDate: '2026-11-15',
            outcome: 'built',
            source: 'store',
            generatedAt,
            file: blob('s15'),
            rows: 2,
          },
          { reportType: 'AD', statDate: '2026-11-17', outcome: 'none', source: 'store', generatedAt, rows: 0 },
        ],
        pending: [{ reportType: 'AD', statDate: '2026-11-18', code: 'not-ready', reason: 'still aggregating' }],
        master: blob('master/338047'),
      }),
    );
    expect(answer).toEqual({
      kind: 'rows',
      files: [
        { reportType: 'AD', statDate: '2026-11-16', file: blob('n16') },
        { reportType: 'AD', statDate: '2026-11-15', file: blob('s15') },
      ],
      dates: ['2026-11-15', '2026-11-16', '2026-11-17'],
      carried: { connectionId, target },
    });
  });

  it('given a v3 whose every date is pending, when answered, then there is nothing to write to the target', () => {
    const answer = answerFor(
      v3({
        pending: [
          { reportType: 'AD', statDate: '2026-11-20', code: 'early-none', reason: 'NONE before the data-ready hour' },
          { reportType: 'AD', statDate: '2026-11-21', code: 'not-ready', reason: 'still aggregating' },
        ],
      }),
    );
    expect(answer).toEqual({
      kind: 'nothing-to-write',
      target: { spreadsheetId: 'sheet-x', sheetName: '로우데이터' },
      pending: 2,
    });
  });

  it('given a v2, when answered, then its files are read and its connection and target are carried on', () => {
    const answer = answerFor(
      makeEvent(
        ReportsDownloadedV2,
        {
          reports: [{ reportType: 'AD', statDate: '2026-11-10', outcome: 'built', file: blob('a') }],
          naverRequests: 4,
          clamped: [],
          connectionId,
          target,
        },
        { ...ids, fencingToken: 3 },
      ),
    );
    expect(answer).toEqual({
      kind: 'rows',
      files: [{ reportType: 'AD', statDate: '2026-11-10', file: blob('a') }],
      dates: ['2026-11-10'],
      carried: { connectionId, target },
    });
  });

  it('given a v1, when answered, then there is no target to carry on (the writer ends that import)', () => {
    const answer = answerFor(
      makeEvent(
        ReportsDownloadedV1,
        { reports: [{ reportType: 'AD', statDate: '2026-11-10', outcome: 'none' }], naverRequests: 1, clamped: [] },
        { ...ids, fencingToken: 3 },
      ),
    );
    expect(answer).toEqual({ kind: 'rows', files: [], dates: ['2026-11-10'], carried: null });
  });
});
