import {
  type BlobRef,
  DEFAULT_LAYOUT,
  formatMasterSnapshotLine,
  LayoutDimension,
  LayoutMetric,
  LayoutV1,
  MASTER_SNAPSHOT_PREAMBLE,
  type MasterEntityV1,
  RowSetV2Header,
} from '@reportline/contracts';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type BuiltRowSet, buildRowSet, MasterSnapshotError, type StreamStore, typesToRead } from '../src/build.ts';
import { emptySums, KEY_FIELDS, keyFieldsOf, type Sums } from '../src/domain/aggregate.ts';
import { ReportFormatError } from '../src/domain/parse.ts';
import { periodOf, planImport } from '../src/domain/plan.ts';
import { RowTable } from '../src/domain/row-table.ts';
import { SLICE, separators } from '../src/domain/separators.ts';
import {
  cellsIdentifyRows,
  columnsOf,
  costOn,
  type KeyColumns,
  metricCell,
  sheetLines,
  sheetRows,
  won,
} from '../src/domain/sheet.ts';
import { parseNumber, TsvReader } from '../src/domain/tsv.ts';

const CMP = 'cmp-a001-01-000000000000001';
const GRP = 'grp-a001-01-000000000000001';
const KW = 'nkw-a001-01-000000000000001';
const KW2 = 'nkw-a001-01-000000000000002';
const AD = 'nad-a001-01-000000000000001';
const BSN = 'bsn-a001-00-000000000000001';

/** An AD_DETAIL line (16 columns): hour and region split what the sheet sums. */
const detail = (
  day: string,
  kw: string,
  hour: number,
  device: string,
  imp: number,
  clk: number,
  cost: number,
  rank = imp * 2,
) => [day, '338047', CMP, GRP, kw, AD, BSN, hour, 3, 27758, device, imp, clk, cost, rank, ''].join('\t');
/** An AD_CONVERSION line (13 columns). */
const conversion = (day: string, kw: string, device: string, method: number, count: number, sales: number) =>
  [day, '338047', CMP, GRP, kw, AD, BSN, 27758, device, method, 'purchase', count, sales].join('\t');
const tsv = (lines: string[]) => `${lines.join('\n')}\n`;

const entity = (e: Pick<MasterEntityV1, 'kind' | 'id' | 'name'> & Partial<MasterEntityV1>): MasterEntityV1 => ({
  parentId: null,
  campaignType: null,
  state: 'ON',
  deletedAt: null,
  ...e,
});
const snapshot = (entities: MasterEntityV1[]) =>
  `${MASTER_SNAPSHOT_PREAMBLE}${entities.map((e) => `${formatMasterSnapshotLine(e)}\n`).join('')}`;
const MASTER = snapshot([
  entity({ kind: 'campaign', id: CMP, name: '브랜드_검색', campaignType: 1 }),
  entity({ kind: 'adgroup', id: GRP, name: '신발(삭제됨)', parentId: CMP, deletedAt: '2026-11-01T00:00:00Z' }),
  entity({ kind: 'keyword', id: KW, name: '운동화', parentId: GRP }),
]);

/** Blobs in memory, served in 7-byte chunks so lines and multi-byte characters straddle chunk boundaries. */
function memoryStore(files: Record<string, string>) {
  const stored: { key: string; text: string }[] = [];
  const store: StreamStore = {
    getStream: async (ref) => {
      const bytes = Buffer.from(files[ref.uri]!);
      return (async function* () {
        for (let i = 0; i < bytes.length; i += 7) yield bytes.subarray(i, i + 7);
      })();
    },
    putStream: async (key, content, contentType) => {
      const chunks: Buffer[] = [];
      for await (const c of content) chunks.push(Buffer.from(c));
      const text = Buffer.concat(chunks).toString('utf8');
      stored.push({ key, text });
      return { uri: `blob://mem/${key}`, bytes: Buffer.byteLength(text), sha256: '0'.repeat(64), contentType };
    },
  };
  return { store, stored };
}
const ref = (uri: string): BlobRef => ({
  uri,
  bytes: 0,
  sha256: '0'.repeat(64),
  contentType: 'text/tab-separated-values',
});

async function build(
  files: { type: 'AD' | 'AD_DETAIL' | 'AD_CONVERSION'; date: string; text: string }[],
  options: { layout?: Partial<LayoutV1>; master?: string | null; statDates?: string[] } = {},
): Promise<BuiltRowSet & { header: RowSetV2Header; rows: unknown[][] }> {
  const blobs: Record<string, string> = {};
  files.forEach((f, i) => {
    blobs[`blob://mem/raw/${i}`] = f.text;
  });
  if (options.master !== null) blobs['blob://mem/master'] = options.master ?? MASTER;
  const { store, stored } = memoryStore(blobs);
  const built = await buildRowSet(store, {
    key: 'rows/test',
    layout: LayoutV1.parse({ ...DEFAULT_LAYOUT, ...options.layout }),
    files: files.map((f, i) => ({ reportType: f.type, statDate: f.date, file: ref(`blob://mem/raw/${i}`) })),
    statDates: new Set(options.statDates ?? files.map((f) => f.date)),
    ...(options.master === null ? {} : { master: ref('blob://mem/master') }),
  });
  const [head, ...lines] = stored[0]!.text.split('\n');
  expect(lines.pop()).toBe(''); // every line ends with \n
  return { ...built, header: RowSetV2Header.parse(JSON.parse(head!)), rows: lines.map((l) => JSON.parse(l)) };
}

describe('the byte-level TSV reader', () => {
  const read = (chunks: string[], columns = 3) => {
    const lines: string[][] = [];
    const reader = new TsvReader(
      'AD 2026-11-10',
      Array.from({ length: columns }, (_, i) => `c${i}`),
      (buf, start) => {
        lines.push(
          Array.from({ length: columns }, (_, i) => buf.toString('utf8', reader.start(start, i), reader.ends[i])),
        );
      },
    );
    for (const c of chunks) reader.push(Buffer.from(c));
    reader.end();
    return lines;
  };

  it('Given lines split anywhere across chunks, When read, Then every field is whole and the first line is data', () => {
    const text = 'a\tb\tc\n\nd\t\tf\r\n한\t글\t!\n';
    const bytes = Buffer.from(text);
    for (let size = 1; size <= bytes.length; size++) {
      const reader: string[][] = [];
      const r = new TsvReader('f', ['x', 'y', 'z'], (buf, start) => {
        reader.push([0, 1, 2].map((i) => buf.toString('utf8', r.start(start, i), r.ends[i])));
      });
      for (let i = 0; i < bytes.length; i += size) r.push(bytes.subarray(i, i + size));
      r.end();
      expect(reader, `chunks of ${size}`).toEqual([
        ['a', 'b', 'c'],
        ['d', '', 'f'],
        ['한', '글', '!'],
      ]);
    }
  });

  it('Given any bytes, When their separators are found, Then they are exactly the TABs and line breaks, in order', () => {
    expect(separators).not.toBeNull();
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 200 }).map((a) => a.map((b) => [9, 10, 13, 0, 11, 0x80, 0xff, 65][b % 8]!)),
        fc.nat(40),
        fc.nat(40),
        (bytes, cutStart, cutEnd) => {
          const buf = Buffer.from(bytes);
          const from = Math.min(cutStart, buf.length);
          const to = Math.max(from, buf.length - cutEnd);
          const count = separators!.find(buf, from, to);
          const found = [...separators!.positions.subarray(0, count)].map((p) => p + from);
          const expected = [...buf.subarray(from, to)].flatMap((b, i) => (b === 9 || b === 10 ? [from + i] : []));
          expect(found).toEqual(expected);
        },
      ),
    );
  });

  it('Given a chunk longer than the separator slice, When read whole or in pieces, Then the same lines', () => {
    const line = (i: number) => `${'x'.repeat(i % 37)}\t${i}\t한${'y'.repeat(i % 11)}\n`;
    const text = Array.from({ length: 120_000 }, (_, i) => line(i)).join('');
    expect(Buffer.byteLength(text)).toBeGreaterThan(2 * SLICE);
    const whole = read([text]);
    expect(whole).toHaveLength(120_000);
    expect(whole[99_999]).toEqual([`${'x'.repeat(99_999 % 37)}`, '99999', `한${'y'.repeat(99_999 % 11)}`]);
    expect(read([text.slice(0, 700_001), text.slice(700_001)])).toEqual(whole);
  });

  it('Given a line with a missing column, When read, Then the error names the file, the line and the counts', () => {
    expect(() => read(['a\tb\tc\n', 'a\tb\n'])).toThrow(
      new ReportFormatError('AD 2026-11-10 line 2: expected 3 columns, found 2'),
    );
  });

  it('Given a file whose last line has no line break, When it ends, Then it is reported truncated at that line', () => {
    expect(() => read(['a\tb\tc\n', 'a\tb\tc'])).toThrow(/line 2: the file ends without a line break \(truncated/);
  });

  it('Given metric cells, When parsed in place, Then digits, fractions, empty and "-" are numbers and the rest NaN', () => {
    const n = (s: string) => parseNumber(Buffer.from(s), 0, Buffer.byteLength(s));
    expect([n('0'), n('1234'), n('12.5'), n(''), n('-'), n('-3')]).toEqual([0, 1234, 12.5, 0, 0, -3]);
    expect([n('12a'), n('1,000'), n('.'), n('--1')].every(Number.isNaN)).toBe(true);
  });
});

describe('rows in the default layout (AD_DETAIL, AD_CONVERSION, master names)', () => {
  it('Given hour × region lines, When built, Then one row per date × campaign × ad group × keyword × device with names and ids', async () => {
    const out = await build([
      {
        type: 'AD_DETAIL',
        date: '2026-11-10',
        text: tsv([
          detail('20261110', KW, 9, 'M', 100, 4, 2000),
          detail('20261110', KW, 10, 'M', 300, 6, 3000),
          detail('20261110', KW, 10, 'P', 50, 0, 0),
        ]),
      },
      {
        type: 'AD_CONVERSION',
        date: '2026-11-10',
        text: tsv([conversion('20261110', KW, 'M', 1, 2, 30_000), conversion('20261110', KW, 'M', 2, 1, 12_000)]),
      },
    ]);
    expect(out.header.columns.map((c) => c.header)).toEqual([
      '날짜',
      '캠페인',
      '캠페인 ID',
      '광고그룹',
      '광고그룹 ID',
      '키워드',
      '키워드 ID',
      '기기',
      '노출수',
      '클릭수',
      '비용(VAT포함)',
      '클릭률',
      '클릭당비용',
      '평균순위',
      '전환수',
      '전환매출',
      'ROAS',
    ]);
    expect(out.columns).toEqual(out.header.columns);
    // CTR, CPC and ROAS of the sums (10 / 400 clicks), not the average of the hours' (4% and 2%).
    // Sorted by the cells' code units: 'PC' before '모바일'.
    expect(out.rows).toEqual([
      ['2026-11-10', '브랜드_검색', CMP, '신발(삭제됨)', GRP, '운동화', KW, 'PC', 50, 0, 0, 0, null, 2, 0, 0, null],
      [
        '2026-11-10',
        '브랜드_검색',
        CMP,
        '신발(삭제됨)',
        GRP,
        '운동화',
        KW,
        '모바일',
        400,
        10,
        5000,
        2.5,
        500,
        2,
        3,
        42_000,
        840,
      ],
    ]);
    expect(out).toMatchObject({ rowCount: 2, unnamed: 0 });
  });

  it('Given an id with no master row, When built, Then the row keeps its id with an empty name and the miss is counted; "-" is no id', async () => {
    const out = await build([
      {
        type: 'AD_DETAIL',
        date: '2026-11-10',
        text: tsv([detail('20261110', KW2, 1, 'P', 10, 1, 100), detail('20261110', '-', 1, 'P', 10, 1, 100)]),
      },
    ]);
    expect(out.rows.map((r) => r.slice(5, 7))).toEqual([
      ['', '-'],
      ['', KW2],
    ]);
    expect(out.unnamed).toBe(1);
  });

  it('Given no master snapshot yet, When built, Then every name is empty and every id counted', async () => {
    const out = await build(
      [{ type: 'AD_DETAIL', date: '2026-11-10', text: tsv([detail('20261110', KW, 1, 'P', 10, 1, 100)]) }],
      { master: null },
    );
    expect(out.rows[0]!.slice(1, 7)).toEqual(['', CMP, '', GRP, '', KW]);
    expect(out.unnamed).toBe(3);
  });

  it('Given English and no ids, When built, Then headers are English and rows of one name merge', async () => {
    const out = await build(
      [
        {
          type: 'AD_DETAIL',
          date: '2026-11-10',
          text: tsv([detail('20261110', KW, 1, 'P', 10, 1, 100), detail('20261110', KW, 2, 'M', 30, 1, 100)]),
        },
      ],
      { layout: { language: 'en', ids: false, dimensions: ['date', 'campaign'], metrics: ['clicks', 'ctr', 'cost'] } },
    );
    expect(out.header.columns.map((c) => c.header)).toEqual(['Date', 'Campaign', 'Clicks', 'CTR', 'Cost (incl. VAT)']);
    expect(out.rows).toEqual([['2026-11-10', '브랜드_검색', 2, 5, 200]]);
  });

  it('Given lines of a date outside the import, When built, Then they are not in the rows', async () => {
    const out = await build(
      [
        {
          type: 'AD_DETAIL',
          date: '2026-11-10',
          text: tsv([detail('20261110', KW, 1, 'P', 10, 1, 100), detail('20261111', KW, 1, 'P', 10, 1, 100)]),
        },
      ],
      { statDates: ['2026-11-10'] },
    );
    expect(out.rows.map((r) => r[0])).toEqual(['2026-11-10']);
  });

  it('Given a non-numeric metric, When built, Then it fails naming the file, line and column', async () => {
    const bad = detail('20261110', KW, 1, 'P', 10, 1, 100).replace('\t100\t', '\t1OO\t');
    await expect(
      build([{ type: 'AD_DETAIL', date: '2026-11-10', text: tsv([detail('20261110', KW, 1, 'P', 1, 1, 1), bad]) }]),
    ).rejects.toThrow(new ReportFormatError('AD_DETAIL 2026-11-10 line 2 column 14 (cost): not a number, found "1OO"'));
  });

  it('Given a first column that is not a date, When built, Then it fails naming line and column 1', async () => {
    await expect(
      build([{ type: 'AD_DETAIL', date: '2026-11-10', text: tsv([detail('2026-11-1', KW, 1, 'P', 1, 1, 1)]) }]),
    ).rejects.toThrow(/line 1 column 1 \(date\): not a YYYYMMDD date/);
  });
});

describe('VAT basis', () => {
  const twoDays = [
    { type: 'AD_DETAIL' as const, date: '2026-03-29', text: tsv([detail('20260329', KW, 1, 'P', 10, 3, 1000)]) },
    { type: 'AD_DETAIL' as const, date: '2026-03-30', text: tsv([detail('20260330', KW, 1, 'P', 10, 3, 1100)]) },
  ];
  const month = { dimensions: ['date' as const], metrics: ['cost' as const, 'cpc' as const] };

  it('Given a month spanning 2026-03-30, When incl-VAT, Then the day before is ×1.1 and the whole month is one basis', async () => {
    const out = await build(twoDays, { layout: { ...month, granularity: 'month' } });
    expect(out.header.columns[1]!.header).toBe('비용(VAT포함)');
    expect(out.rows).toEqual([['2026-03-01', 2200, 367]]);
  });

  it('Given the same days, When excl-VAT, Then from 2026-03-30 cost is ÷1.1', async () => {
    const out = await build(twoDays, { layout: { ...month, vatBasis: 'excl-vat' } });
    expect(out.header.columns[1]!.header).toBe('비용(VAT제외)');
    expect(out.rows).toEqual([
      ['2026-03-29', 1000, 333],
      ['2026-03-30', 1000, 333],
    ]);
  });

  it('Given the same days, When as-reported, Then NAVER’s numbers stand', async () => {
    const out = await build(twoDays, { layout: { ...month, vatBasis: 'as-reported', language: 'en' } });
    expect(out.header.columns[1]!.header).toBe('Cost (as reported)');
    expect(out.rows.map((r) => r[1])).toEqual([1000, 1100]);
  });

  it('Given float noise, When rounded to won, Then half-up on the exact value', () => {
    expect(costOn('incl-vat', { costNet: 1000, costGross: 0 })).toBeCloseTo(1100);
    expect([won(1100.0000000000002), won(0.5), won(2.4999999999), won(1.5)]).toEqual([1100, 1, 2, 2]);
  });
});

describe('derived metrics', () => {
  const sums = emptySums();
  it('Given no divisor, When derived, Then the cell is empty rather than 0 or Infinity', () => {
    expect(['ctr', 'cpc', 'cpa', 'roas', 'avgRank'].map((m) => metricCell(m as 'ctr', sums, 'incl-vat'))).toEqual([
      null,
      null,
      null,
      null,
      null,
    ]);
  });
  it('Given sums, When derived, Then CTR and ROAS are percent (2 decimals), CPC and CPA integer won', () => {
    const s = { ...sums, impressions: 3, clicks: 1, costGross: 1000, conversions: 3, revenue: 2500, rankSum: 10 };
    expect(['ctr', 'cpc', 'cpa', 'roas', 'avgRank'].map((m) => metricCell(m as 'ctr', s, 'as-reported'))).toEqual([
      33.33, 1000, 333, 250, 3.33,
    ]);
  });
});

describe('layouts', () => {
  it('Given the default layout, When validated, Then it is a valid LayoutV1 with Korean headers', () => {
    expect(LayoutV1.parse(DEFAULT_LAYOUT)).toEqual(DEFAULT_LAYOUT);
    expect(columnsOf(DEFAULT_LAYOUT)[0]).toEqual({ key: 'date', header: '날짜', type: 'date' });
  });
  it('Given layouts not starting with date, repeating a column or naming an unknown metric, When validated, Then rejected', () => {
    expect(LayoutV1.safeParse({ ...DEFAULT_LAYOUT, dimensions: ['campaign', 'date'] }).success).toBe(false);
    expect(LayoutV1.safeParse({ ...DEFAULT_LAYOUT, metrics: ['clicks', 'clicks'] }).success).toBe(false);
    expect(LayoutV1.safeParse({ ...DEFAULT_LAYOUT, metrics: ['profit'] }).success).toBe(false);
    expect(LayoutV1.safeParse({ ...DEFAULT_LAYOUT, vatBasis: 'gross' }).success).toBe(false);
  });
  it('Given a layout with hour, When types are chosen, Then the detail reports are read; otherwise the plain ones', () => {
    const all = new Set(['AD', 'AD_DETAIL', 'AD_CONVERSION', 'AD_CONVERSION_DETAIL'] as const);
    expect(typesToRead({ ...DEFAULT_LAYOUT, dimensions: ['date', 'hour'] }, all)).toEqual([
      'AD_DETAIL',
      'AD_CONVERSION_DETAIL',
    ]);
    expect(typesToRead(DEFAULT_LAYOUT, all)).toEqual(['AD', 'AD_CONVERSION']);
    expect(typesToRead({ ...DEFAULT_LAYOUT, metrics: ['clicks'] }, new Set(['AD_DETAIL'] as const))).toEqual([
      'AD_DETAIL',
    ]);
  });
});

describe('the dates of an import', () => {
  const report = (reportType: 'AD' | 'AD_CONVERSION', statDate: string, generatedAt: string) => ({
    reportType,
    statDate,
    outcome: 'built' as const,
    source: 'store' as const,
    generatedAt,
    file: ref(`blob://mem/${reportType}/${statDate}`),
    rows: 1,
  });

  it('Given a date pending for one type and built for another, When planned, Then it is pending and not read', () => {
    const plan = planImport(
      {
        reports: [
          report('AD', '2026-11-10', '2026-11-11T01:00:00Z'),
          report('AD_CONVERSION', '2026-11-10', '2026-11-11T03:00:00Z'),
          report('AD', '2026-11-11', '2026-11-12T01:00:00Z'),
        ],
        pending: [
          { reportType: 'AD_CONVERSION', statDate: '2026-11-11', code: 'not-ready', reason: 'still aggregating' },
          { reportType: 'AD', statDate: '2026-11-12', code: 'aggregating', reason: 'job ended AGGREGATING' },
          { reportType: 'AD_CONVERSION', statDate: '2026-11-12', code: 'not-ready', reason: 'still aggregating' },
        ],
      },
      'day',
    );
    expect(plan.dates).toEqual([{ date: '2026-11-10', generatedAt: '2026-11-11T03:00:00Z' }]);
    expect(plan.pending).toEqual([
      { date: '2026-11-11', reason: '2026-11-11 AD_CONVERSION: still aggregating (not-ready)' },
      { date: '2026-11-12', reason: '2026-11-12 AD: job ended AGGREGATING (aggregating)' },
    ]);
    expect([...plan.statDates]).toEqual(['2026-11-10']);
    expect(plan.files.map((f) => `${f.reportType} ${f.statDate}`)).toEqual([
      'AD 2026-11-10',
      'AD_CONVERSION 2026-11-10',
    ]);
  });

  it('Given weeks, When planned, Then dates are Mondays and a week with a pending day is pending whole', () => {
    expect([periodOf('2026-11-15', 'week'), periodOf('2026-11-16', 'week'), periodOf('2026-11-15', 'month')]).toEqual([
      '2026-11-09',
      '2026-11-16',
      '2026-11-01',
    ]);
    const plan = planImport(
      {
        reports: [
          report('AD', '2026-11-13', '2026-11-14T01:00:00Z'),
          report('AD', '2026-11-16', '2026-11-17T01:00:00Z'),
        ],
        pending: [{ reportType: 'AD', statDate: '2026-11-14', code: 'not-ready', reason: 'later' }],
      },
      'week',
    );
    expect(plan.dates).toEqual([{ date: '2026-11-16', generatedAt: '2026-11-17T01:00:00Z' }]);
    expect(plan.pending.map((p) => p.date)).toEqual(['2026-11-09']);
  });
});

describe('aggregating many rows', () => {
  it('Given keys of many lengths at any offset, When found again across the table growing, Then each key is one row', () => {
    const table = new RowTable();
    const keys = Array.from({ length: 6_000 }, (_, i) =>
      i % 7 === 0 ? '-'.repeat(i % 3) : `k${'x'.repeat(i % 23)}${i}`,
    );
    const text = Buffer.from(keys.map((k, i) => `${' '.repeat(i % 5)}${k}\t`).join(''));
    const spans: [number, number][] = [];
    for (let at = 0, i = 0; i < keys.length; i++) {
      const start = at + (i % 5);
      const end = start + Buffer.byteLength(keys[i]!);
      spans.push([start, end]);
      at = end + 1;
    }
    const end = new Int32Array(1);
    const rowOf = (i: number) => {
      end[0] = spans[i]![1];
      return table.find(0, text, spans[i]![0], end, [{ from: 0, to: 0 }]);
    };
    const first = keys.map((_, i) => rowOf(i));
    const second = keys.map((_, i) => rowOf(keys.length - 1 - i)).reverse();
    expect(second).toEqual(first);
    expect(new Set(first).size).toBe(new Set(keys).size);
    const { values, of } = table.fieldColumns(1);
    expect(keys.every((k, i) => values[0]![of[0]![first[i]!]!] === k)).toBe(true);
  });

  it('Given more distinct rows than the table starts with, When each is seen twice, Then every row has both lines', async () => {
    const lines: string[] = [];
    for (let pass = 0; pass < 2; pass++) {
      for (let k = 0; k < 5_000; k++) {
        lines.push(detail('20261110', `nkw-a001-01-${String(k).padStart(15, '0')}`, pass, 'P', k + 1, 1, 10));
      }
    }
    const out = await build([{ type: 'AD_DETAIL', date: '2026-11-10', text: tsv(lines) }], {
      layout: { dimensions: ['date', 'keyword'], metrics: ['impressions', 'clicks'], ids: true },
      master: null,
    });
    expect(out.rowCount).toBe(5_000);
    expect(out.rows.every((r) => r[3] === 2 * (Number(String(r[2]).slice(-15)) + 1) && r[4] === 2)).toBe(true);
  });
});

describe('the master snapshot', () => {
  const line = (text: string) => [{ type: 'AD_DETAIL' as const, date: '2026-11-10', text }];
  const one = tsv([detail('20261110', KW, 1, 'P', 10, 1, 100)]);

  it('Given entities the rows do not show, When names are joined, Then only the shown ids are read (others unparsed)', async () => {
    const other = 'keyword\tnkw-a001-01-999999999999999\tnot\\x-an-escape\tgrp-x\t\tON\t';
    const out = await build(line(one), { master: `${MASTER}${other}\n` });
    expect(out.rows[0]!.slice(1, 6)).toEqual(['브랜드_검색', CMP, '신발(삭제됨)', GRP, '운동화']);
  });

  it('Given a snapshot that is not one, When names are joined, Then the import fails as master-format', async () => {
    await expect(build(line(one), { master: 'something else\n' })).rejects.toThrow(MasterSnapshotError);
  });
});

describe('campaign types', () => {
  it('Given a layout by campaign type, When built, Then the type comes from the campaign’s master row and its campaigns merge', async () => {
    const out = await build(
      [{ type: 'AD_DETAIL', date: '2026-11-10', text: tsv([detail('20261110', KW, 1, 'P', 10, 1, 100)]) }],
      { layout: { dimensions: ['date', 'campaignType'], metrics: ['impressions'] } },
    );
    expect(out.header.columns.map((c) => c.header)).toEqual(['날짜', '캠페인 유형', '노출수']);
    expect(out.rows).toEqual([['2026-11-10', '파워링크', 10]]);
    expect(cellsIdentifyRows({ ...DEFAULT_LAYOUT, dimensions: ['date', 'campaignType'] })).toBe(false);
    expect(cellsIdentifyRows(DEFAULT_LAYOUT)).toBe(true);
  });
});

describe('the sheet built column by column', () => {
  it('Given any rows, names and layout, When written, Then the bytes are those of sorting whole rows and JSON.stringify', () => {
    const text = fc.oneof(
      fc.constantFrom('', '-', 'P', 'M', '캠페인', 'a', 'a\u0000b', 'ab', '"q"', '\\', 'é'),
      fc.string({ maxLength: 4 }),
    );
    const metric = fc.oneof(
      fc.constantFrom(0, 1, 3, 10, 1e16),
      fc.integer({ min: 0, max: 10_000 }),
      fc.double({ min: 0, max: 1e6, noNaN: true }),
    );
    const sums = fc.record({
      impressions: metric,
      clicks: metric,
      costNet: metric,
      costGross: metric,
      rankSum: metric,
      views: metric,
      conversions: metric,
      revenue: metric,
    });
    const layout = fc.record({
      dimensions: fc.subarray(LayoutDimension.options.filter((d) => d !== 'date')).map((d) => ['date' as const, ...d]),
      metrics: fc.subarray(LayoutMetric.options, { minLength: 1 }),
      ids: fc.boolean(),
      language: fc.constantFrom('ko' as const, 'en' as const),
      vatBasis: fc.constantFrom('as-reported' as const, 'incl-vat' as const, 'excl-vat' as const),
    });
    let compared = 0;
    fc.assert(
      fc.property(
        layout,
        fc.array(fc.tuple(fc.array(text, { minLength: 10, maxLength: 10 }), sums), { maxLength: 40 }),
        fc.dictionary(text, text),
        (l, generated, named) => {
          const full = LayoutV1.parse({ ...DEFAULT_LAYOUT, ...l, granularity: 'day' });
          const keyFields = keyFieldsOf(full.dimensions);
          const rows: [string[], Sums][] = generated.map(([key, s]) => [
            [key[0]!, ...keyFields.map((f) => key[KEY_FIELDS.indexOf(f) + 1]!)],
            s,
          ]);
          const names = {
            name: (id: string) => named[id],
            campaignType: (id: string) => (id.length % 3 === 0 ? null : id.length),
          };
          const values: string[][] = rows[0]?.[0].map(() => []) ?? [[], ...keyFields.map(() => [])];
          const of = values.map(() => new Int32Array(rows.length));
          rows.forEach(([key], row) => {
            key.forEach((v, p) => {
              let i = values[p]!.indexOf(v);
              if (i < 0) i = values[p]!.push(v) - 1;
              of[p]![row] = i;
            });
          });
          const columns: KeyColumns = {
            count: rows.length,
            values,
            of,
            sums: (row, into) => {
              const s = rows[row]![1];
              for (const k of Object.keys(into) as (keyof Sums)[]) into[k] += s[k];
            },
          };
          const expected = sheetRows(full, keyFields, rows, names)
            .map((r) => `${JSON.stringify(r)}\n`)
            .join('');
          const built = sheetLines(full, keyFields, columns, names);
          if (built === null) return; // a cell holds a NUL: sheetRows itself is used
          if (rows.length > 1) compared++;
          expect(Buffer.concat([...built.chunks]).toString('utf8')).toBe(expected);
          expect(built.count).toBe(expected === '' ? 0 : expected.split('\n').length - 1);
        },
      ),
      { numRuns: 300 },
    );
    expect(compared).toBeGreaterThan(30); // most runs compare, not only the NUL fallback
  });
});
