import { describe, expect, it } from 'vitest';
import { MasterParseError, masterColumnCount, parseMasterFile, parseMasterLine } from '../src/domain/master.ts';

const CMP = 'cmp-a001-02-000000002001327';
const GRP = 'grp-a001-02-000000017490102';
const NKW = 'nkw-a001-02-000000123456789';
const NAD = 'nad-a001-02-000000302073007';
const BSN = 'bsn-a001-00-000000002171322';
const tsv = (...cols: (string | number)[]) => cols.join('\t');

// Lines as NAVER's column lists (§7 and, for BusinessChannel, NAVER's release note) lay them out.
const campaign = (name: string, delTm = '', onOff = 0) =>
  tsv(1649507, CMP, name, 2, 1, 0, '', '', '2020-01-02T03:04:05Z', delTm, onOff, '');
const adgroup = (name: string) =>
  tsv(1649507, GRP, CMP, name, 70, 1, 0, 0, 100, 100, BSN, BSN, '2020-01-02T03:04:05Z', '', '', 1, '', 0);
const keyword = (name: string, delTm = '') =>
  tsv(1649507, GRP, NKW, name, 70, 'https://a', 'https://b', 0, 40, 0, '2020-01-02T03:04:05Z', delTm, 1);
const ad = (subject: string) =>
  tsv(1649507, GRP, NAD, 40, subject, '설명', 'https://a', 'https://b', 1, '2020-01-02T03:04:05Z', '');
const channel = (name: string) =>
  tsv(1649507, name, BSN, 1, 'https://shop.example.com', 20, 20, '2020-01-02T03:04:05Z', '');

describe('master files, line by line', () => {
  it('reads each item with its documented column count', () => {
    expect([campaign('x'), adgroup('x'), keyword('x'), ad('x'), channel('x')].map((l) => l.split('\t').length)).toEqual(
      (['Campaign', 'Adgroup', 'Keyword', 'Ad', 'BusinessChannel'] as const).map(masterColumnCount),
    );
    expect(parseMasterLine('Campaign', campaign('봄 세일'), 1)).toEqual({
      kind: 'campaign',
      id: CMP,
      name: '봄 세일',
      parentId: null,
      campaignType: 2,
      state: 'ON',
      deletedAt: null,
    });
    expect(parseMasterLine('Adgroup', adgroup('그룹'), 1)).toEqual({
      kind: 'adgroup',
      id: GRP,
      name: '그룹',
      parentId: CMP,
      campaignType: null,
      state: 'OFF',
      deletedAt: null,
    });
    expect(parseMasterLine('Keyword', keyword('가방'), 1)).toMatchObject({ kind: 'keyword', id: NKW, parentId: GRP });
    expect(parseMasterLine('Ad', ad('제목'), 1)).toMatchObject({ kind: 'ad', id: NAD, name: '제목', state: 'OFF' });
    expect(parseMasterLine('BusinessChannel', channel('내 가게'), 1)).toEqual({
      kind: 'business-channel',
      id: BSN,
      name: '내 가게',
      parentId: null,
      campaignType: null,
      state: null,
      deletedAt: null,
    });
  });

  it('keeps a `"` as a plain character (no quoting in NAVER files, #950)', () => {
    expect(parseMasterLine('Campaign', campaign('"듀이듀이“'), 1).name).toBe('"듀이듀이“');
    expect(parseMasterLine('Keyword', keyword('5" 태블릿'), 1).name).toBe('5" 태블릿');
  });

  it('a delta row with delTm marks the entity deleted, name kept', () => {
    expect(parseMasterLine('Keyword', keyword('가방', '2025-03-04T05:06:07Z'), 4)).toMatchObject({
      name: '가방',
      deletedAt: '2025-03-04T05:06:07Z',
    });
    expect(() => parseMasterLine('Keyword', keyword('가방', '2025-03-04'), 4)).toThrow(
      'Keyword master line 4, column 12 (delTm): not a yyyy-MM-ddTHH:mm:ssZ time',
    );
  });

  it('takes a TAB inside the name (#844) where the name is the only free text', () => {
    expect(parseMasterLine('Campaign', campaign('"특가"\t기획전'), 1).name).toBe('"특가"\t기획전');
    expect(parseMasterLine('Adgroup', adgroup('a\tb\tc'), 1)).toMatchObject({ name: 'a\tb\tc', parentId: CMP });
    expect(parseMasterLine('Keyword', keyword('탭\t키워드'), 1).name).toBe('탭\t키워드');
    expect(parseMasterLine('BusinessChannel', channel('채널\t이름'), 1)).toMatchObject({ id: BSN, name: '채널\t이름' });
  });

  it('refuses a TAB in an ad subject: subject and description are both free text, so the split is unknowable', () => {
    expect(() => parseMasterLine('Ad', ad('제목\t탭'), 7)).toThrow(
      /^Ad master line 7, column 12 \(extra\): 12 columns/,
    );
  });

  it('names item, line and column for a missing column or a malformed id', () => {
    const short = campaign('x').split('\t').slice(0, 11).join('\t');
    let error: unknown;
    try {
      parseMasterLine('Campaign', short, 3);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(MasterParseError);
    expect(error).toMatchObject({ item: 'Campaign', line: 3, column: 12 });
    expect((error as Error).message).toBe(
      'Campaign master line 3, column 12 (Shared Budget ID): missing: 11 columns, expected 12',
    );
    expect(() => parseMasterLine('Adgroup', adgroup('x').replace(CMP, 'campaign-1'), 9)).toThrow(
      'Adgroup master line 9, column 3 (Campaign ID): malformed campaign id: "campaign-1"',
    );
    expect(() => parseMasterLine('Ad', ad('x').replace(NAD, 'nkw-a001-02-1'), 2)).toThrow(
      'Ad master line 2, column 3 (Ad ID): malformed ad id',
    );
    expect(() => parseMasterLine('Campaign', campaign('x', '', 2), 5)).toThrow('column 11 (ON/OFF)');
  });

  it('a TAB that cannot be the name’s shows as a malformed column', () => {
    // The surplus is given to the name; a TAB that was elsewhere then leaves a checked column malformed.
    const line = campaign('x').replace('2020-01-02T03:04:05Z', '2020-01-02\tT03:04:05Z');
    expect(() => parseMasterLine('Campaign', line, 1)).toThrow(
      'Campaign master line 1, column 9 (regTm): not a yyyy-MM-ddTHH:mm:ssZ time: "T03:04:05Z"',
    );
  });

  it('streams a file across chunk boundaries, with or without the last line break', async () => {
    const text = `${keyword('가방')}\n${keyword('신발', '2025-01-01T00:00:00Z')}\n${keyword('모자')}`;
    const bytes = Buffer.from(text);
    async function* chunks() {
      for (let i = 0; i < bytes.length; i += 7) yield bytes.subarray(i, i + 7); // splits multi-byte characters too
    }
    const names: string[] = [];
    for await (const r of parseMasterFile('Keyword', chunks())) names.push(r.name);
    expect(names).toEqual(['가방', '신발', '모자']);
    const lines: number[] = [];
    const bad = Buffer.from(`${keyword('a')}\n${keyword('b')}\nshort\n`);
    await expect(
      (async () => {
        for await (const _ of parseMasterFile('Keyword', [bad])) lines.push(1);
      })(),
    ).rejects.toThrow('Keyword master line 3, column 2');
    expect(lines).toHaveLength(2);
  });
});
