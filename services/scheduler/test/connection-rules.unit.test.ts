import { DEFAULT_LAYOUT } from '@reportline/contracts';
import { describe, expect, it } from 'vitest';
import type { Connection } from '../src/connection-store.ts';
import { checkAnswered, importFailed, startVerification, targetProved } from '../src/domain/connection-lifecycle.ts';
import { connectionProblems } from '../src/domain/connection-rules.ts';

const connection: Connection = {
  id: '0b5c2c39-5a43-4f4e-9a43-55d0a6f1a001',
  tenantId: '0b5c2c39-5a43-4f4e-9a43-55d0a6f1a002',
  name: null,
  customerId: '338047',
  reportTypes: ['AD'],
  historyDays: 30,
  spreadsheetId: 'sheet-1',
  sheetName: '로우데이터',
  status: 'healthy',
  health: null,
  checkId: null,
  scheduleTime: '06:30',
  pausedAt: null,
  layout: null,
  principalEmail: null,
  createdAt: '2026-11-01T00:00:00.000Z',
  updatedAt: '2026-11-01T00:00:00.000Z',
};
const at = new Date('2026-12-01T00:00:00Z');

describe('the rules of a connection', () => {
  it('given valid fields, then there is no problem', () => {
    expect(
      connectionProblems({
        reportTypes: ['AD', 'AD_DETAIL'],
        historyDays: 180,
        sheetName: '로우데이터',
        layout: DEFAULT_LAYOUT,
        scheduleTime: '23:59',
      }),
    ).toEqual([]);
  });

  it("given more history than a type's look-back, then the problem names the type and its limit", () => {
    expect(connectionProblems({ reportTypes: ['AD', 'AD_DETAIL'], historyDays: 200 })).toEqual([
      { field: 'historyDays', message: "200 days is beyond NAVER's look-back for AD_DETAIL: at most 180 days" },
    ]);
  });

  it('given a reserved, padded or control-character tab name, then each is refused', () => {
    for (const sheetName of ['_reportline_meta', '_STAGE_1', ' padded', 'tab\u0007']) {
      expect(
        connectionProblems({ sheetName }).map((p) => p.field),
        sheetName,
      ).toEqual(['sheetName']);
    }
  });

  it('given a report type twice and a bad time, then both problems are listed at once', () => {
    expect(connectionProblems({ reportTypes: ['AD', 'AD'], scheduleTime: '6:30' }).map((p) => p.field)).toEqual([
      'reportTypes',
      'scheduleTime',
    ]);
  });
});

describe('the lifecycle of a connection', () => {
  it('given a verification started, when its check is answered ok, then the connection is healthy', () => {
    const { connection: verifying, check } = startVerification(connection, 'created', 'check-1');
    expect(verifying.status).toBe('verifying');
    expect(check).toEqual({ connectionId: connection.id, reason: 'created' });
    const answered = checkAnswered(
      verifying,
      'check-1',
      { ok: true, code: null, message: null, action: null, retryable: false },
      at,
    );
    expect(answered).toMatchObject({ outcome: 'healthy', connection: { status: 'healthy', checkId: null } });
  });

  it('given credentials rotated since, when the older check is answered, then nothing changes', () => {
    const { connection: verifying } = startVerification(connection, 'rotated', 'check-2');
    expect(
      checkAnswered(verifying, 'check-1', { ok: false, code: 'x', message: 'm', action: 'a', retryable: false }, at),
    ).toBe(undefined);
  });

  it('given a refusal, then the connection is unhealthy with the reason and what to do', () => {
    const { connection: verifying } = startVerification(connection, 'created', 'check-3');
    const answered = checkAnswered(
      verifying,
      'check-3',
      { ok: false, code: 'naver-credentials-invalid', message: 'bad signature', action: null, retryable: false },
      at,
    );
    expect(answered?.connection).toMatchObject({
      status: 'unhealthy',
      health: { code: 'naver-credentials-invalid', message: 'bad signature', at: at.toISOString() },
    });
    expect(answered?.connection.health?.action).toContain('API key');
  });

  it('given a refusal that passes by itself, then the check is asked again, and after three in a row the connection is unhealthy saying so', () => {
    const { connection: verifying } = startVerification(connection, 'created', 'check-4');
    const unavailable = {
      ok: false,
      code: 'lease-unavailable',
      message: 'the lease was not granted in time',
      action: null,
      retryable: true,
    };
    expect(checkAnswered(verifying, 'check-4', unavailable, at, 0)).toMatchObject({
      outcome: 'again',
      connection: { status: 'verifying', health: null },
    });
    const exhausted = checkAnswered(verifying, 'check-4', unavailable, at, 3);
    expect(exhausted).toMatchObject({ outcome: 'unhealthy', connection: { health: { code: 'lease-unavailable' } } });
    expect(exhausted?.connection.health?.action).toContain('could not be reached');
    expect(exhausted?.connection.health?.action).not.toContain('API key');
  });

  it('given a healthy connection, when an import fails on the sheet, then it is unhealthy until a target is proved', () => {
    const broken = importFailed(connection, { code: 'sheet-unreachable', message: 'not shared' }, at);
    expect(broken).toMatchObject({ status: 'unhealthy', health: { code: 'sheet-unreachable' } });
    expect(targetProved(broken!)).toMatchObject({ status: 'healthy', health: null });
  });

  it('given a failure that is not the connection’s fault, then the connection stays as it is', () => {
    expect(importFailed(connection, { code: 'naver-unavailable', message: '503' }, at)).toBe(undefined);
  });
});
