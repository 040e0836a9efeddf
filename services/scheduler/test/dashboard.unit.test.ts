import { describe, expect, it } from 'vitest';
import {
  importProgress,
  nextRunKst,
  problemByField,
  SseParser,
  spreadsheetIdFrom,
  timelineLayout,
} from '../src/dashboard/assets/ui.js';
import { pickLang, renderPage } from '../src/dashboard/page.ts';

describe('the link form', () => {
  it('takes the spreadsheet id out of a pasted URL, or the id as it is', () => {
    const id = '1AbC-d_EfGhIjKlMnOpQrStUvWxYz0123456789';
    expect(spreadsheetIdFrom(`https://docs.google.com/spreadsheets/d/${id}/edit#gid=0`)).toBe(id);
    expect(spreadsheetIdFrom(`https://docs.google.com/spreadsheets/d/${id}`)).toBe(id);
    expect(spreadsheetIdFrom(`  ${id}  `)).toBe(id);
  });

  it("puts each part of the rules' 400 next to its field", () => {
    const detail =
      'historyDays: 400 days is beyond NAVER\'s look-back for AD: at most 365 days; sheetName: tab names starting with "_rl" are reserved; layout.columns.2.key: unknown column';
    expect(problemByField(400, { detail })).toEqual({
      fields: {
        historyDays: "400 days is beyond NAVER's look-back for AD: at most 365 days",
        sheetName: 'tab names starting with "_rl" are reserved',
        layout: 'unknown column',
      },
      general: [],
    });
  });

  it('reads request validation and puts a preflight refusal next to the spreadsheet', () => {
    const v = problemByField(400, { detail: 'invalid request: body/customerId Invalid string: must match pattern' });
    expect(v.fields.customerId).toContain('Invalid');
    const p = problemByField(422, { detail: 'the sheet cannot be written: not shared → share it with x@y as Editor' });
    expect(p.fields.spreadsheetId).toContain('as Editor');
    expect(problemByField(400, { detail: 'apiKey and secret are rotated together' }).fields.apiKey).toBeUndefined();
  });
});

describe('the stream reader', () => {
  it('yields whole events across chunks and skips heartbeats', () => {
    const p = new SseParser();
    expect(p.push('retry: 2000\n\n: keepalive\n\nid: 5-1\nevent: imp')).toEqual([]);
    expect(p.push('ort\ndata: {"a":1}\n\nid: 5-2\r\nevent: lock\r\ndata: {}\r\n\r\n')).toEqual([
      { id: '5-1', event: 'import', data: '{"a":1}' },
      { id: '5-2', event: 'lock', data: '{}' },
    ]);
  });
});

describe('what the dashboard shows', () => {
  it("computes the next scheduled run in KST, tomorrow once today's time has passed", () => {
    // 2026-12-01 05:00 KST
    const now = new Date('2026-11-30T20:00:00Z');
    expect(nextRunKst('06:30', now).toISOString()).toBe('2026-11-30T21:30:00.000Z');
    expect(nextRunKst('04:00', now).toISOString()).toBe('2026-12-01T19:00:00.000Z');
  });

  it('fills the bar by days downloaded, then by stage, and to 100 when completed', () => {
    expect(importProgress({ status: 'requested', progress: null })).toEqual({ percent: 0, days: '–' });
    expect(importProgress({ status: 'downloading', progress: { completed: 3, total: 6 } }).percent).toBe(35);
    expect(importProgress({ status: 'writing', progress: { completed: 6, total: 6 } }).percent).toBe(90);
    expect(importProgress({ status: 'completed', progress: { completed: 2, total: 6 } })).toEqual({
      percent: 100,
      days: '2/6',
    });
  });

  it('lays holds out oldest first, with the queue wait before and the lock-delay after an expiry', () => {
    const hold = (importId: string, granted: string, ended: string | null, extra = {}) => ({
      importId,
      grantedAt: `2026-12-01T00:${granted}:00Z`,
      endedAt: ended && `2026-12-01T00:${ended}:00Z`,
      endedBy: ended ? ('released' as const) : null,
      queuedAt: null,
      releasedAs: ended ? 'done' : null,
      lockDelayUntil: null,
      ...extra,
    });
    const layout = timelineLayout(
      {
        holds: [
          hold('c', '20', null),
          hold('b', '10', '15', { endedBy: 'expired', lockDelayUntil: '2026-12-01T00:16:00Z' }),
          hold('a', '00', '05', { queuedAt: '2026-12-01T00:00:00Z' }),
        ],
        queue: [{ importId: 'd', requestedAt: '2026-12-01T00:21:00Z', position: 1 }],
      },
      Date.parse('2026-12-01T00:30:00Z'),
    );
    expect(layout.rows.map((r) => r.kind)).toEqual(['done', 'expired', 'held']);
    expect(layout.rows[0]!.y).toBeLessThan(layout.rows[1]!.y);
    expect(layout.rows[1]!.delay).not.toBeNull();
    expect(layout.rows[2]!.ended).toBe('held');
    expect(layout.queued).toHaveLength(1);
    expect(layout.rows[2]!.bar.x2).toBeCloseTo(890);
  });
});

describe('the page', () => {
  it('is rendered in Korean for a Korean browser, English otherwise, and carries no script of its own', () => {
    expect(pickLang(undefined, 'ko-KR,ko;q=0.9')).toBe('ko');
    expect(pickLang('en', 'ko-KR')).toBe('en');
    expect(pickLang(undefined, undefined)).toBe('en');
    const ko = renderPage('ko');
    expect(ko).toContain('<html lang="ko">');
    expect(ko).toContain('네이버 잠금 타임라인');
    expect(ko).not.toMatch(/<script>|<script [^>]*>[^<]/);
    expect(renderPage('en')).toContain('NAVER lock timeline');
  });
});
