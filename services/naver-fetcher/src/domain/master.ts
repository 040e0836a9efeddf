import { type MasterKind, masterIdPattern } from '@reportline/contracts';

/**
 * NAVER master files, line by line: headerless TSV, no quoting, positional columns (../shared/reference/naver-searchad-api.md
 * §7). Only the columns the processor's joins need are kept; the others are still counted, because a line with the
 * wrong number of columns is the only sign that NAVER changed a layout under us — and a silently shifted column would
 * put bid amounts where names belong.
 */
export const MASTER_ITEMS = ['Campaign', 'Adgroup', 'Keyword', 'Ad', 'BusinessChannel'] as const;
export type MasterItem = (typeof MASTER_ITEMS)[number];

export interface MasterRecord {
  kind: MasterKind;
  id: string;
  name: string;
  parentId: string | null;
  campaignType: number | null;
  state: 'ON' | 'OFF' | null;
  /** `yyyy-MM-ddTHH:mm:ssZ`; only deltas carry deleted rows. */
  deletedAt: string | null;
}

type Role =
  | { kind: 'customer' }
  | { kind: 'id'; of: MasterKind }
  | { kind: 'parent'; of: MasterKind }
  | { kind: 'name' }
  | { kind: 'campaignType' }
  | { kind: 'onOff' }
  | { kind: 'regTm' }
  | { kind: 'delTm' }
  | { kind: 'text' };

interface Layout {
  kind: MasterKind;
  columns: readonly (readonly [string, Role['kind'], MasterKind?])[];
  /**
   * Whether a TAB inside the name (#844) can be told from a separator: only if the name is the line's one free-text
   * column, so every column but the name sits at a known distance from either end of the line.
   */
  tabInNameResolvable: boolean;
}

const text = 'text' as const;
const LAYOUTS: Record<MasterItem, Layout> = {
  // GIST: 12 columns.
  Campaign: {
    kind: 'campaign',
    tabInNameResolvable: true,
    columns: [
      ['Customer ID', 'customer'],
      ['Campaign ID', 'id', 'campaign'],
      ['Campaign Name', 'name'],
      ['Campaign Type', 'campaignType'],
      ['Delivery Method', text],
      ['Using Period', text],
      ['Period Start Date', text],
      ['Period End Date', text],
      ['regTm', 'regTm'],
      ['delTm', 'delTm'],
      ['ON/OFF', 'onOff'],
      ['Shared Budget ID', text],
    ],
  },
  // 18 columns since 2024-10-02.
  Adgroup: {
    kind: 'adgroup',
    tabInNameResolvable: true,
    columns: [
      ['Customer ID', 'customer'],
      ['Ad Group ID', 'id', 'adgroup'],
      ['Campaign ID', 'parent', 'campaign'],
      ['Ad Group Name', 'name'],
      ['Ad Group Bid amount', text],
      ['ON/OFF', 'onOff'],
      ['Using contents network bid', text],
      ['Contents network bid', text],
      ['PC network bidding weight', text],
      ['Mobile network bidding weight', text],
      ['Business Channel Id(Mobile)', text],
      ['Business Channel Id(PC)', text],
      ['regTm', 'regTm'],
      ['delTm', 'delTm'],
      ['Content Type', text],
      ['AdGroup Type', text],
      ['Shared Budget ID', text],
      ['Using Expanded Search', text],
    ],
  },
  Keyword: {
    kind: 'keyword',
    tabInNameResolvable: true,
    columns: [
      ['Customer ID', 'customer'],
      ['Ad Group ID', 'parent', 'adgroup'],
      ['Ad Keyword ID', 'id', 'keyword'],
      ['Ad Keyword', 'name'],
      ['Ad Keyword Bid Amount', text],
      ['landing URL(PC)', text],
      ['landing URL(Mobile)', text],
      ['ON/OFF', 'onOff'],
      ['Ad Keyword Inspect Status', text],
      ['Using Ad Group Bid Amount', text],
      ['regTm', 'regTm'],
      ['delTm', 'delTm'],
      ['Ad Keyword type', text],
    ],
  },
  // The Subject is the ad's name; the Description next to it is free text too, so a TAB cannot be placed.
  Ad: {
    kind: 'ad',
    tabInNameResolvable: false,
    columns: [
      ['Customer ID', 'customer'],
      ['Ad Group ID', 'parent', 'adgroup'],
      ['Ad ID', 'id', 'ad'],
      ['Ad Creative Inspect Status', text],
      ['Subject', 'name'],
      ['Description', text],
      ['Landing URL(PC)', text],
      ['Landing URL(Mobile)', text],
      ['ON/OFF', 'onOff'],
      ['regTm', 'regTm'],
      ['delTm', 'delTm'],
    ],
  },
  // Not in §7: NAVER's release note "BusinessChannel report has changed" (searchad-apidoc _posts). Name before id;
  // no ON/OFF column.
  BusinessChannel: {
    kind: 'business-channel',
    tabInNameResolvable: true,
    columns: [
      ['Customer ID', 'customer'],
      ['Name', 'name'],
      ['Business Channel Id', 'id', 'business-channel'],
      ['Business Channel Type', text],
      ['Channel Contents', text],
      ['PC Inspect Status', text],
      ['Mobile Inspect Status', text],
      ['regTm', 'regTm'],
      ['delTm', 'delTm'],
    ],
  },
};

export function masterColumnCount(item: MasterItem): number {
  return LAYOUTS[item].columns.length;
}

export class MasterParseError extends Error {
  override readonly name = 'MasterParseError';
  readonly item: MasterItem;
  readonly line: number;
  /** 1-based; the column NAVER's layout gives that position. */
  readonly column: number;

  constructor(item: MasterItem, line: number, column: number, detail: string) {
    super(
      `${item} master line ${line}, column ${column} (${LAYOUTS[item].columns[column - 1]?.[0] ?? 'extra'}): ${detail}`,
    );
    this.item = item;
    this.line = line;
    this.column = column;
  }
}

const DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

/**
 * The fields of a line in layout order. A TAB in the name shows up as extra fields; when the name is the only
 * free-text column, the fields before it and after it are fixed, so the surplus belongs to the name. The id columns'
 * patterns then confirm the placement.
 */
function fieldsOf(item: MasterItem, line: string, lineNo: number): string[] {
  const layout = LAYOUTS[item];
  const n = layout.columns.length;
  const raw = line.split('\t');
  if (raw.length === n) return raw;
  if (raw.length < n) {
    throw new MasterParseError(item, lineNo, raw.length + 1, `missing: ${raw.length} columns, expected ${n}`);
  }
  if (!layout.tabInNameResolvable) {
    throw new MasterParseError(
      item,
      lineNo,
      n + 1,
      `${raw.length} columns, expected ${n}; a TAB in a name cannot be placed in this layout`,
    );
  }
  const at = layout.columns.findIndex(([, role]) => role === 'name');
  const surplus = raw.length - n;
  return [...raw.slice(0, at), raw.slice(at, at + surplus + 1).join('\t'), ...raw.slice(at + surplus + 1)];
}

/** One line of an item's master file (no `\n`); `lineNo` is 1-based, for the error. */
export function parseMasterLine(item: MasterItem, line: string, lineNo: number): MasterRecord {
  const layout = LAYOUTS[item];
  const fields = fieldsOf(item, line, lineNo);
  const record: MasterRecord = {
    kind: layout.kind,
    id: '',
    name: '',
    parentId: null,
    campaignType: null,
    state: null,
    deletedAt: null,
  };
  layout.columns.forEach(([, role, of], i) => {
    const value = fields[i]!;
    const fail = (detail: string): never => {
      throw new MasterParseError(item, lineNo, i + 1, `${detail}: ${JSON.stringify(value.slice(0, 80))}`);
    };
    switch (role) {
      case 'customer':
        if (!/^\d+$/.test(value)) fail('not a customer id');
        break;
      case 'id':
        if (!masterIdPattern(of!).test(value)) fail(`malformed ${of} id`);
        record.id = value;
        break;
      case 'parent':
        if (!masterIdPattern(of!).test(value)) fail(`malformed ${of} id`);
        record.parentId = value;
        break;
      case 'name':
        record.name = value;
        break;
      case 'campaignType':
        if (!/^\d+$/.test(value)) fail('not a campaign type');
        record.campaignType = Number(value);
        break;
      case 'onOff':
        if (value !== '0' && value !== '1') fail('ON/OFF is neither 0 nor 1');
        record.state = value === '0' ? 'ON' : 'OFF';
        break;
      case 'regTm':
        if (value !== '' && !DATETIME.test(value)) fail('not a yyyy-MM-ddTHH:mm:ssZ time');
        break;
      case 'delTm':
        if (value !== '' && !DATETIME.test(value)) fail('not a yyyy-MM-ddTHH:mm:ssZ time');
        record.deletedAt = value === '' ? null : value;
        break;
      case 'text':
        break;
    }
  });
  return record;
}

/**
 * Parses a master file as it streams: splits on `\n` (every row ends with one; a last row without it is still a row)
 * and never trims, since trailing columns can be empty.
 */
export async function* parseMasterFile(
  item: MasterItem,
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
): AsyncGenerator<MasterRecord, void, undefined> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let pending = '';
  let lineNo = 0;
  for await (const chunk of chunks) {
    pending += decoder.decode(chunk, { stream: true });
    let at = pending.indexOf('\n');
    let start = 0;
    while (at !== -1) {
      yield parseMasterLine(item, pending.slice(start, at), ++lineNo);
      start = at + 1;
      at = pending.indexOf('\n', start);
    }
    pending = pending.slice(start);
  }
  pending += decoder.decode();
  if (pending !== '') yield parseMasterLine(item, pending, ++lineNo);
}
