import { z } from 'zod';

/**
 * The names behind NAVER's ids, as the naver-fetcher stores them for the processor to join: one blob per customer id
 * (`master/<customerId>` plus its content hash), the customer's whole entity store.
 *
 * Format `reportline.master-snapshot.v1` — UTF-8 TSV, `\n` after every line:
 *   line 1: the format name, alone, so a reader refuses a layout it does not know before reading any entity;
 *   line 2: the column names (MASTER_SNAPSHOT_COLUMNS), TAB-separated;
 *   then one line per entity, ordered by (kind, id).
 *
 * TSV rather than NDJSON: the file is as large as the account (millions of keywords), and a TSV line is a third the
 * size of the equivalent JSON object while splitting on `\n` and TAB streams just as well. NAVER's names can hold a
 * `"` and even a TAB (#844, see ../shared/reference/naver-searchad-api.md §6), so fields are escaped the way
 * PostgreSQL's COPY text format does it — `\\` for a backslash, `\t`, `\n`, `\r` — and never quoted: a raw TAB or
 * line break can then only be a separator, and any name round-trips. An empty field is "absent".
 *
 * A new column or kind is a new format (`…v2`), as with events.
 */
export const MASTER_SNAPSHOT_FORMAT = 'reportline.master-snapshot.v1';
export const MASTER_SNAPSHOT_COLUMNS = [
  'kind',
  'id',
  'name',
  'parentId',
  'campaignType',
  'state',
  'deletedAt',
] as const;
export const MASTER_SNAPSHOT_CONTENT_TYPE = 'text/tab-separated-values; charset=utf-8';
/** The two lines every snapshot starts with. */
export const MASTER_SNAPSHOT_PREAMBLE = `${MASTER_SNAPSHOT_FORMAT}\n${MASTER_SNAPSHOT_COLUMNS.join('\t')}\n`;

export const MasterKind = z.enum(['campaign', 'adgroup', 'keyword', 'ad', 'business-channel']);
export type MasterKind = z.infer<typeof MasterKind>;

const ID_PREFIX: Record<MasterKind, string> = {
  campaign: 'cmp',
  adgroup: 'grp',
  keyword: 'nkw',
  ad: 'nad',
  'business-channel': 'bsn',
};
const PARENT_KIND: Partial<Record<MasterKind, MasterKind>> = { adgroup: 'campaign', keyword: 'adgroup', ad: 'adgroup' };

/** NAVER ids: `cmp-a001-02-000000002001327`, `grp-…`, `nkw-…`, `nad-…`, `bsn-…`. */
export function masterIdPattern(kind: MasterKind): RegExp {
  return new RegExp(`^${ID_PREFIX[kind]}-[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*$`);
}

const ISO_SECONDS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{3})?Z$/;

/** One entity line. `parentId` only for ad groups (its campaign), keywords and ads (their ad group). */
export const MasterEntityV1 = z
  .object({
    kind: MasterKind,
    id: z.string().min(1),
    name: z.string(),
    parentId: z.string().min(1).nullable(),
    /** NAVER's Campaign Type (1 web site, 2 shopping, 4 brand search, …); campaigns only. */
    campaignType: z.number().int().nonnegative().nullable(),
    /** NAVER's ON/OFF switch; null for business channels, whose file has none. */
    state: z.enum(['ON', 'OFF']).nullable(),
    /** UTC instant NAVER deleted it (`yyyy-MM-ddTHH:mm:ssZ`); null while it exists. Deleted entities keep their name. */
    deletedAt: z.string().regex(ISO_SECONDS).nullable(),
  })
  .superRefine((e, ctx) => {
    if (!masterIdPattern(e.kind).test(e.id))
      ctx.addIssue({ code: 'custom', path: ['id'], message: `not a ${e.kind} id` });
    const parent = PARENT_KIND[e.kind];
    if (parent === undefined && e.parentId !== null) {
      ctx.addIssue({ code: 'custom', path: ['parentId'], message: `a ${e.kind} has no parent` });
    }
    if (parent !== undefined && (e.parentId === null || !masterIdPattern(parent).test(e.parentId))) {
      ctx.addIssue({ code: 'custom', path: ['parentId'], message: `a ${e.kind}'s parent is a ${parent} id` });
    }
    if (e.kind !== 'campaign' && e.campaignType !== null) {
      ctx.addIssue({ code: 'custom', path: ['campaignType'], message: 'only campaigns have a campaign type' });
    }
  });
export type MasterEntityV1 = z.infer<typeof MasterEntityV1>;

const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };
const UNESCAPES: Record<string, string> = { '\\': '\\', t: '\t', n: '\n', r: '\r' };

export function escapeMasterField(value: string): string {
  return value.replace(/[\\\t\n\r]/g, (c) => ESCAPES[c]!);
}

export function unescapeMasterField(field: string): string {
  return field.replace(/\\(.?)/gs, (_, c: string) => {
    const plain = UNESCAPES[c];
    if (plain === undefined) throw new SyntaxError(`bad escape \\${c} in ${JSON.stringify(field)}`);
    return plain;
  });
}

/** One entity as a line, without the `\n`. */
export function formatMasterSnapshotLine(entity: MasterEntityV1): string {
  return [
    entity.kind,
    entity.id,
    entity.name,
    entity.parentId ?? '',
    entity.campaignType === null ? '' : String(entity.campaignType),
    entity.state ?? '',
    entity.deletedAt ?? '',
  ]
    .map(escapeMasterField)
    .join('\t');
}

/** The entity on one line (without its `\n`); throws naming what is wrong. */
export function parseMasterSnapshotLine(line: string): MasterEntityV1 {
  const fields = line.split('\t');
  if (fields.length !== MASTER_SNAPSHOT_COLUMNS.length) {
    throw new SyntaxError(
      `master snapshot line has ${fields.length} fields, expected ${MASTER_SNAPSHOT_COLUMNS.length}`,
    );
  }
  const values = fields.map(unescapeMasterField);
  const field = (column: (typeof MASTER_SNAPSHOT_COLUMNS)[number]) => values[MASTER_SNAPSHOT_COLUMNS.indexOf(column)]!;
  const absent = (column: (typeof MASTER_SNAPSHOT_COLUMNS)[number]) => (field(column) === '' ? null : field(column));
  const campaignType = field('campaignType');
  return MasterEntityV1.parse({
    kind: field('kind'),
    id: field('id'),
    name: field('name'),
    parentId: absent('parentId'),
    campaignType: campaignType === '' ? null : /^\d+$/.test(campaignType) ? Number(campaignType) : campaignType,
    state: absent('state'),
    deletedAt: absent('deletedAt'),
  });
}

/**
 * Reads a snapshot as it streams (e.g. BlobStore.getStream): checks the preamble, then yields each entity. Holds one
 * line at a time, never the file. With `only`, a line whose id it refuses is skipped before it is parsed or
 * validated: a reader that needs a few ids of a large account (the processor naming its rows) does not pay for the
 * rest. Ids never hold an escape, so the raw field is the id.
 */
export async function* readMasterSnapshot(
  chunks: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>,
  options: { only?: (id: string) => boolean } = {},
): AsyncGenerator<MasterEntityV1, void, undefined> {
  const { only } = options;
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let pending = '';
  let lineNo = 0;
  const take = (line: string): MasterEntityV1 | undefined => {
    lineNo++;
    if (lineNo === 1) {
      if (line !== MASTER_SNAPSHOT_FORMAT) throw new SyntaxError(`not a ${MASTER_SNAPSHOT_FORMAT} snapshot`);
      return undefined;
    }
    if (lineNo === 2) {
      if (line !== MASTER_SNAPSHOT_COLUMNS.join('\t')) throw new SyntaxError('master snapshot columns differ from v1');
      return undefined;
    }
    if (only) {
      const idStart = line.indexOf('\t') + 1;
      const idEnd = line.indexOf('\t', idStart);
      if (idStart > 0 && idEnd > idStart && !only(line.slice(idStart, idEnd))) return undefined;
    }
    try {
      return parseMasterSnapshotLine(line);
    } catch (e) {
      throw new SyntaxError(`master snapshot line ${lineNo}: ${(e as Error).message}`);
    }
  };
  for await (const chunk of chunks) {
    pending += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    let at = pending.indexOf('\n');
    while (at !== -1) {
      const entity = take(pending.slice(0, at));
      if (entity) yield entity;
      pending = pending.slice(at + 1);
      at = pending.indexOf('\n');
    }
  }
  pending += decoder.decode();
  if (pending !== '') throw new SyntaxError('master snapshot ends without a line break (truncated)');
  if (lineNo < 2) throw new SyntaxError('master snapshot lacks its two preamble lines');
}
