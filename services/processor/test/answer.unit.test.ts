import { type BlobRef, makeEvent, ReportsDownloadedV1, ReportsDownloadedV2 } from '@reportline/contracts';
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
describe('answering a download', () => {
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
    expect(answer).toEqual({ files: [], dates: ['2026-11-10'], carried: null });
  });
});
