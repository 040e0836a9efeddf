import { describe, expect, it } from 'vitest';
import { connectionsTable, outcomeLines, problemLine, progressLine } from '../src/format.ts';
import type { Connection, ImportView } from '../src/views.ts';

const view = (over: Partial<ImportView> = {}): ImportView => ({
  importId: '11111111-1111-4111-8111-111111111111',
  customerId: '1234',
  status: 'downloading',
  requestedAt: '2026-12-01T10:00:00.000Z',
  progress: { completed: 12, total: 30 },
  naverRequests: null,
  rowsWritten: null,
  pending: [],
  failure: null,
  ...over,
});

describe('the progress line', () => {
  it('given 12 of 30 reports downloading, when formatted, then the bar is 4 of 10 filled and names the stage', () => {
    expect(progressLine(view())).toBe('[####------] 12/30 reports  downloading');
  });

  it('given an import not started, when formatted, then the bar is empty and the total unknown', () => {
    expect(progressLine(view({ status: 'requested', progress: null }))).toBe('[----------] 0/? reports  requested');
  });

  it('given a completed import, when formatted, then the bar is full', () => {
    expect(progressLine(view({ status: 'completed', progress: { completed: 30, total: 30 } }))).toBe(
      '[##########] 30/30 reports  completed',
    );
  });
});

describe('how an import ended', () => {
  it("given a failure without the scheduler's advice, when told, then it says its code and message and what to do", () => {
    const lines = outcomeLines(
      view({
        status: 'failed',
        failure: { stage: 'download', code: 'naver-credentials-invalid', message: 'NAVER refused', retryable: false },
      }),
      'shop',
    );
    expect(lines).toEqual([
      'reportline: import 11111111-1111-4111-8111-111111111111 failed at download: naver-credentials-invalid: NAVER refused',
      expect.stringMatching(/^reportline: what to do: fix the cause .*reportline import shop/),
    ]);
  });

  it("given a failure with the scheduler's advice, when told, then that advice is what to do", () => {
    const failure = { stage: 'lease', code: 'lock-timeout', message: 'm', retryable: true, action: 'Try later' };
    expect(outcomeLines(view({ status: 'failed', failure }), 'shop')[1]).toBe('reportline: what to do: Try later');
  });

  it('given a completed import with pending dates, when told, then it counts rows and names the dates', () => {
    const pending = [{ reportType: 'AD', statDate: '2026-11-30', code: 'not-ready' }];
    expect(outcomeLines(view({ status: 'completed', rowsWritten: 120, naverRequests: 3, pending }), 'shop')).toEqual([
      'import 11111111-1111-4111-8111-111111111111 completed: 120 rows written, 3 NAVER requests, ' +
        '1 dates not ready at NAVER yet (2026-11-30); a later import asks again',
    ]);
  });
});

describe('an API error as one line', () => {
  it('given a problem with a detail, when printed, then it is the status and the detail', () => {
    expect(problemLine(409, { title: 'Conflict', status: 409, detail: 'the connection is unhealthy' })).toBe(
      'reportline: 409 the connection is unhealthy',
    );
  });

  it('given a problem without detail or a body that is not JSON, when printed, then the title or status text says it', () => {
    expect(problemLine(401, { title: 'Unauthorized', status: 401 })).toBe('reportline: 401 Unauthorized');
    expect(problemLine(502, null, 'Bad Gateway')).toBe('reportline: 502 Bad Gateway');
    expect(problemLine(400, { detail: 'a\n  b' })).toBe('reportline: 400 a b');
  });
});

describe('the connections table', () => {
  it('given an unhealthy and a paused connection, when tabled, then each shows why and when it runs', () => {
    const base: Connection = {
      id: 'c1',
      name: 'shop',
      customerId: '1234',
      reportTypes: ['AD'],
      historyDays: 7,
      spreadsheetId: 's',
      sheetName: 'Raw',
      status: 'healthy',
      health: null,
      scheduleTime: '06:30',
      paused: false,
      principalEmail: null,
    };
    const unhealthy = {
      ...base,
      id: 'c2',
      status: 'unhealthy' as const,
      health: { code: 'sheet-unreachable', message: 'm', action: 'a', at: '' },
    };
    expect(connectionsTable([base, unhealthy, { ...base, id: 'c3', paused: true }]).split('\n')).toEqual([
      'ID  NAME  CUSTOMER  STATUS                         SCHEDULE   SHEET',
      'c1  shop  1234      healthy                        06:30 KST  s / Raw',
      'c2  shop  1234      unhealthy (sheet-unreachable)  06:30 KST  s / Raw',
      'c3  shop  1234      healthy                        paused     s / Raw',
    ]);
  });
});
