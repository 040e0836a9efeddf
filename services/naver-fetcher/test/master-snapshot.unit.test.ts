import {
  formatMasterSnapshotLine,
  MASTER_SNAPSHOT_PREAMBLE,
  type MasterEntityV1,
  parseMasterSnapshotLine,
  readMasterSnapshot,
} from '@reportline/contracts';
import { describe, expect, it } from 'vitest';

const base: MasterEntityV1 = {
  kind: 'keyword',
  id: 'nkw-a001-02-000000123456789',
  name: '가방',
  parentId: 'grp-a001-02-000000017490102',
  campaignType: null,
  state: 'ON',
  deletedAt: null,
};

describe('master snapshot v1 lines', () => {
  it.each([
    '"듀이듀이“',
    'tab\tinside',
    'line\nbreak and \r return',
    'back\\slash \\t not a tab',
    '\\',
    '',
    ' trailing space ',
  ])('round-trips the name %j', (name) => {
    const line = formatMasterSnapshotLine({ ...base, name });
    expect(line.split('\t')).toHaveLength(7);
    expect(line).not.toMatch(/[\n\r]/);
    expect(parseMasterSnapshotLine(line)).toEqual({ ...base, name });
  });

  it('writes absent fields empty and reads them back as null', () => {
    const campaign: MasterEntityV1 = {
      kind: 'campaign',
      id: 'cmp-a001-02-000000002001327',
      name: 'c',
      parentId: null,
      campaignType: 2,
      state: 'OFF',
      deletedAt: '2025-01-02T03:04:05Z',
    };
    expect(formatMasterSnapshotLine(campaign)).toBe(
      'campaign\tcmp-a001-02-000000002001327\tc\t\t2\tOFF\t2025-01-02T03:04:05Z',
    );
    expect(parseMasterSnapshotLine(formatMasterSnapshotLine(campaign))).toEqual(campaign);
    const channel = {
      ...campaign,
      kind: 'business-channel',
      id: 'bsn-a001-00-1',
      campaignType: null,
      state: null,
    } as const;
    expect(parseMasterSnapshotLine(formatMasterSnapshotLine(channel))).toEqual(channel);
  });

  it('refuses malformed lines', () => {
    expect(() => parseMasterSnapshotLine('keyword\tnkw-1')).toThrow('2 fields, expected 7');
    expect(() => parseMasterSnapshotLine(formatMasterSnapshotLine({ ...base, parentId: null }))).toThrow();
    expect(() => parseMasterSnapshotLine(formatMasterSnapshotLine({ ...base, id: 'grp-a001-1' }))).toThrow();
    expect(() => parseMasterSnapshotLine(formatMasterSnapshotLine(base).replace('가방', 'bad\\x'))).toThrow(
      'bad escape',
    );
  });

  it('reads a whole snapshot as it streams, preamble first', async () => {
    const entities = [base, { ...base, id: 'nkw-a001-02-2', name: 'tab\there' }];
    const text = MASTER_SNAPSHOT_PREAMBLE + entities.map((e) => `${formatMasterSnapshotLine(e)}\n`).join('');
    const bytes = Buffer.from(text);
    const chunks = Array.from({ length: Math.ceil(bytes.length / 5) }, (_, i) => bytes.subarray(i * 5, i * 5 + 5));
    const read: MasterEntityV1[] = [];
    for await (const e of readMasterSnapshot(chunks)) read.push(e);
    expect(read).toEqual(entities);
    const collect = async (t: string) => {
      for await (const _ of readMasterSnapshot([t])) {
      }
    };
    await expect(collect(`reportline.master-snapshot.v2\n`)).rejects.toThrow('not a reportline.master-snapshot.v1');
    await expect(collect(text.slice(0, -1))).rejects.toThrow('truncated');
  });
});
