import { ImportRequestedV1, ImportRequestedV2, makeEvent } from '@reportline/contracts';
import { describe, expect, it } from 'vitest';
import { historyDaysFor, requestedHistoryDays } from '../src/history.ts';
import { decideDates } from '../src/sheets/replace-plan.ts';

const request = {
  connectionId: crypto.randomUUID(),
  trigger: 'scheduled' as const,
  priority: 'scheduled' as const,
  reportTypes: ['AD' as const],
  dateRange: { from: '2026-11-01', to: '2026-11-30' },
  target: { spreadsheetId: 'ss', sheetName: '로우데이터' },
};
const ctx = { source: 'test', importId: crypto.randomUUID(), customerId: '5550001', now: new Date() };

describe("an import's history length", () => {
  it('Given an ImportRequested v2, Then the history is the one its connection asked for', () => {
    const v2 = makeEvent(ImportRequestedV2, { ...request, layout: null, historyDays: 14 }, ctx);
    expect(requestedHistoryDays(v2)).toBe(14);
  });

  it('Given an ImportRequested v1, Then it asks for none', () => {
    expect(requestedHistoryDays(makeEvent(ImportRequestedV1, request, ctx))).toBeNull();
  });

  it("Given a request's history, Then it wins over the writer's default; Given none, Then the default applies", () => {
    expect(historyDaysFor(14, 90)).toBe(14);
    expect(historyDaysFor(undefined, 90)).toBe(90);
    expect(historyDaysFor(undefined, undefined)).toBeUndefined();
  });

  it('Given two connections of one tab history, When each asks its own length, Then each window ends at its last date', () => {
    // The tab holds 2026-11-20 … 2026-11-29; the import brings 2026-11-30.
    const tab = Array.from({ length: 10 }, (_, i) => `2026-11-${20 + i}`);
    const command = { dates: ['2026-11-30'], pending: [], newerWritten: [] };
    // 3 days ending 2026-11-30 start on 2026-11-28: the 8 days before it go.
    expect(decideDates({ ...command, historyDays: 3 }, tab).trimmed).toEqual(tab.slice(0, 8));
    // 7 days start on 2026-11-24.
    expect(decideDates({ ...command, historyDays: 7 }, tab).trimmed).toEqual(tab.slice(0, 4));
  });
});
