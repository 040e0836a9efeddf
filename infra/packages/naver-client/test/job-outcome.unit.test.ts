import { describe, expect, it } from 'vitest';
import { interpretStatReport } from '../src/job-outcome.ts';
import { statDtToKstDate, toStatDt } from '../src/schemas.ts';

const job = (status: string, downloadUrl = '') => ({
  reportJobId: 1,
  reportTp: 'AD',
  statDt: '2025-09-30T15:00:00Z',
  status,
  downloadUrl,
});

describe('interpretStatReport', () => {
  it.each(['REGIST', 'RUNNING', 'WAITING'])('%s is pending', (status) => {
    expect(interpretStatReport(job(status)).state).toBe('pending');
  });

  it('BUILT with a URL is built; NONE is none (no metrics, not a failure)', () => {
    expect(interpretStatReport(job('BUILT', 'https://api.naver.com/report-download?authtoken=a'))).toEqual({
      state: 'built',
      status: 'BUILT',
      downloadUrl: 'https://api.naver.com/report-download?authtoken=a',
    });
    expect(interpretStatReport(job('NONE')).state).toBe('none');
  });

  it.each([
    ['ERROR', 'transient'],
    ['CHANGED', 'transient'],
    ['AGGREGATING', 'not-ready'],
    ['BUILT', 'transient'],
    ['SOMETHING_NEW', 'unexpected'],
  ])('%s fails as %s', (status, kind) => {
    const outcome = interpretStatReport(job(status));
    expect(outcome.state).toBe('failed');
    expect(outcome.state === 'failed' && outcome.error.kind).toBe(kind);
  });
});

describe('statDt conversions', () => {
  it('sends YYYYMMDD and reads the echoed KST-midnight instant back as the KST day', () => {
    expect(toStatDt('2025-10-01')).toBe('20251001');
    expect(() => toStatDt('2025-02-30')).toThrow(/real calendar date/);
    expect(() => toStatDt('20251001')).toThrow(/YYYY-MM-DD/);
    expect(statDtToKstDate('2022-08-31T15:00:00Z')).toBe('2022-09-01');
  });
});
