import { describe, expect, it } from 'vitest';
import { parseReport, ReportFormatError } from '../src/domain/parse.ts';
import { buildRows, COLUMNS } from '../src/domain/rows.ts';

const ad = (date: string, kw: string, imp: number, clk: number, cost: number, rank: number, views = '') =>
  [
    date,
    '338047',
    'cmp-a001-01-000000000000001',
    'grp-a001-01-000000000000001',
    kw,
    'nad-a001-01-000000000000001',
    'bsn-a001-00-000000000000001',
    '27758',
    'P',
    imp,
    clk,
    cost,
    rank,
    views,
  ].join('\t');
const conv = (date: string, kw: string, method: number, count: number, sales: number) =>
  [
    date,
    '338047',
    'cmp-a001-01-000000000000001',
    'grp-a001-01-000000000000001',
    kw,
    'nad-a001-01-000000000000001',
    'bsn-a001-00-000000000000001',
    '27758',
    'P',
    method,
    'purchase',
    count,
    sales,
  ].join('\t');

describe('report parsing', () => {
  it('treats the first line as data, not a header', () => {
    const lines = parseReport('AD', `${ad('20261115', 'nkw-1', 10, 1, 100, 20)}\n`, 'AD 2026-11-15');
    expect(lines).toHaveLength(1);
    expect(lines[0]?.keywordId).toBe('nkw-1');
  });

  it('rejects a line with the wrong number of columns, naming the file and line', () => {
    const text = `${ad('20261115', 'nkw-1', 10, 1, 100, 20)}\n20261115\t338047\n`;
    expect(() => parseReport('AD', text, 'AD 2026-11-15')).toThrow(
      new ReportFormatError('AD 2026-11-15 line 2: AD has 14 columns, found 2'),
    );
  });
});

describe('sheet rows', () => {
  it('aggregates performance per ad and day, joins conversions, and keeps the "-" keyword placeholder', () => {
    const rows = buildRows([
      {
        reportType: 'AD',
        statDate: '2026-11-15',
        name: 'AD',
        text: [
          ad('20261115', 'nkw-1', 10, 2, 300, 30),
          ad('20261115', 'nkw-1', 30, 1, 100, 50),
          ad('20261115', '-', 5, 0, 0, 10),
        ].join('\n'),
      },
      {
        reportType: 'AD_CONVERSION',
        statDate: '2026-11-15',
        name: 'CONV',
        text: [conv('20261115', 'nkw-1', 1, 2, 5000), conv('20261115', 'nkw-1', 2, 1, 700)].join('\n'),
      },
    ]);
    expect(rows).toHaveLength(2);
    const row = Object.fromEntries(COLUMNS.map((c, i) => [c, rows.find((r) => r[3] === 'nkw-1')![i]]));
    expect(row).toMatchObject({
      date: '2026-11-15',
      impressions: 40,
      clicks: 3,
      cost: 400,
      avgRank: 2,
      views: 0,
      conversions: 3,
      conversionSales: 5700,
    });
    expect(rows.find((r) => r[3] === '-')?.[8]).toBe(5);
  });

  it('uses AD_DETAIL only when AD is absent, so metrics are never counted twice', () => {
    const detail = [
      '20261115',
      '338047',
      'cmp-1',
      'grp-1',
      'nkw-1',
      'nad-1',
      'bsn-1',
      '09',
      '01',
      '27758',
      'M',
      '7',
      '1',
      '77',
      '14',
      '3',
    ].join('\t');
    const onlyDetail = buildRows([
      { reportType: 'AD_DETAIL', statDate: '2026-11-15', name: 'D', text: `${detail}\n${detail}` },
    ]);
    expect(onlyDetail[0]?.[8]).toBe(14);
    const both = buildRows([
      { reportType: 'AD_DETAIL', statDate: '2026-11-15', name: 'D', text: detail },
      { reportType: 'AD', statDate: '2026-11-15', name: 'A', text: ad('20261115', 'nkw-9', 1, 0, 0, 1) },
    ]);
    expect(both.map((r) => r[3])).toEqual(['nkw-9']);
  });
});
