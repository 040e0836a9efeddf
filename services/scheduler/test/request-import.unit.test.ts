import { describe, expect, it } from 'vitest';
import { decideImportRequest, type ImportableConnection } from '../src/domain/request-import.ts';

const connection: ImportableConnection = {
  id: '0b5c2c39-5a43-4f4e-9a43-55d0a6f1a001',
  customerId: '338047',
  reportTypes: ['AD', 'AD_CONVERSION'],
  historyDays: 14,
  spreadsheetId: 'sheet-1',
  sheetName: '로우데이터',
  layout: null,
};
// 2026-12-01 09:00 KST: yesterday in Korea is 2026-11-30.
const ids = {
  importId: '5d7e1f0a-0c1e-4b8e-8f4e-3c2d1b0a9f01',
  now: new Date('2026-12-01T00:00:00Z'),
  source: 'scheduler',
};

describe('deciding an import request', () => {
  it('given no range, when requested manually, then it covers the history ending yesterday in KST, on demand', () => {
    const d = decideImportRequest(connection, { trigger: 'manual' }, ids);
    expect(d.kind).toBe('requested');
    if (d.kind !== 'requested') return;
    expect(d.requested.data).toEqual({
      connectionId: connection.id,
      trigger: 'manual',
      priority: 'on-demand',
      reportTypes: ['AD', 'AD_CONVERSION'],
      dateRange: { from: '2026-11-17', to: '2026-11-30' },
      target: { spreadsheetId: 'sheet-1', sheetName: '로우데이터' },
      layout: null,
      historyDays: 14,
    });
    expect(d.requested.version).toBe(2);
    expect(d.requested).toMatchObject({ importId: ids.importId, customerId: '338047', source: 'scheduler' });
    expect(d.view).toMatchObject({ importId: ids.importId, status: 'requested', requestedAt: d.requested.time });
  });

  it('given a scheduled trigger, then the lock queues it behind on-demand imports', () => {
    const d = decideImportRequest(connection, { trigger: 'scheduled' }, ids);
    expect(d.kind === 'requested' && d.requested.data.priority).toBe('scheduled');
  });

  it('given a range ending today in KST, then it is rejected with the reason', () => {
    const d = decideImportRequest(
      connection,
      { trigger: 'manual', dateRange: { from: '2026-11-30', to: '2026-12-01' } },
      ids,
    );
    expect(d).toEqual({
      kind: 'rejected',
      code: 'invalid-date-range',
      message: 'dateRange.to 2026-12-01 is after yesterday in KST (2026-11-30); NAVER has no report for today yet',
    });
  });
});
