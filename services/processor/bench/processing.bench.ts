// `npm run bench -- processing [sizes…]`: AD_DETAIL rows per second through the processor's streaming path (byte
// parser → aggregation → name join → sorted row set), its peak RSS, and DuckDB (1 thread) on the same files with the
// same aggregation and name join. Sizes default to 100k, 1M and 5M lines. Each measurement runs in a child process of
// its own, so its peak RSS is its own; the figures are the best of 3 alternating runs per side (2 from 5M lines). No
// infrastructure: files are read from and written to a temporary directory.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import {
  type BlobRef,
  DEFAULT_LAYOUT,
  formatMasterSnapshotLine,
  MASTER_SNAPSHOT_PREAMBLE,
  type MasterEntityV1,
} from '@reportline/contracts';
import { reportFigures, round } from '@reportline/dev/bench';
import { buildRowSet, type StreamStore } from '../src/build.ts';

const DAYS = ['2026-11-09', '2026-11-10', '2026-11-11', '2026-11-12', '2026-11-13', '2026-11-14', '2026-11-15'];
const CAMPAIGNS = 40;
const ADGROUPS_PER_CAMPAIGN = 10;
const KEYWORDS_PER_ADGROUP = 10;
const ADS_PER_ADGROUP = 4;
const MEDIA = [27758, 8753, 11068, 33421];
const pad = (n: number) => String(n).padStart(15, '0');
const id = (prefix: string, n: number) => `${prefix}-a001-01-${pad(n)}`;

/** A small deterministic PRNG (mulberry32): the same file every run. */
function prng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** `lines` AD_DETAIL lines (16 columns, reference §6) spread over DAYS, shaped like a mid-size account's. */
async function writeAdDetail(path: string, lines: number): Promise<void> {
  const out = createWriteStream(path);
  const rand = prng(42);
  const adgroups = CAMPAIGNS * ADGROUPS_PER_CAMPAIGN;
  let text = '';
  for (let i = 0; i < lines; i++) {
    const day = DAYS[Math.floor((i * DAYS.length) / lines)]!.replaceAll('-', '');
    const g = Math.floor(rand() * adgroups);
    const c = Math.floor(g / ADGROUPS_PER_CAMPAIGN);
    const k = rand() < 0.1 ? '-' : id('nkw', g * KEYWORDS_PER_ADGROUP + Math.floor(rand() * KEYWORDS_PER_ADGROUP));
    const ad = id('nad', g * ADS_PER_ADGROUP + Math.floor(rand() * ADS_PER_ADGROUP));
    const imp = 1 + Math.floor(rand() * 200);
    const clk = Math.floor(rand() * Math.min(imp, 12));
    text += `${day}\t1234567\t${id('cmp', c)}\t${id('grp', g)}\t${k}\t${ad}\t${id('bsn', c)}\t${Math.floor(rand() * 24)}\t${1 + Math.floor(rand() * 17)}\t${MEDIA[Math.floor(rand() * 4)]}\t${rand() < 0.6 ? 'M' : 'P'}\t${imp}\t${clk}\t${clk * (70 + Math.floor(rand() * 500))}\t${imp * (1 + Math.floor(rand() * 8))}\t${rand() < 0.2 ? Math.floor(rand() * 5) : ''}\n`;
    if (text.length > 1 << 20) {
      if (!out.write(text)) await new Promise<void>((r) => out.once('drain', () => r()));
      text = '';
    }
  }
  out.end(text);
  await finished(out);
}

/** The master snapshot of the generated account: every campaign, ad group and keyword named. */
async function writeMaster(path: string): Promise<void> {
  const out = createWriteStream(path);
  out.write(MASTER_SNAPSHOT_PREAMBLE);
  const entity = (e: Omit<MasterEntityV1, 'state' | 'deletedAt'>) =>
    `${formatMasterSnapshotLine({ ...e, state: 'ON', deletedAt: null })}\n`;
  for (let c = 0; c < CAMPAIGNS; c++) {
    out.write(entity({ kind: 'campaign', id: id('cmp', c), name: `캠페인 ${c}`, parentId: null, campaignType: 1 }));
  }
  for (let g = 0; g < CAMPAIGNS * ADGROUPS_PER_CAMPAIGN; g++) {
    const parentId = id('cmp', Math.floor(g / ADGROUPS_PER_CAMPAIGN));
    out.write(entity({ kind: 'adgroup', id: id('grp', g), name: `광고그룹 ${g}`, parentId, campaignType: null }));
    for (let k = 0; k < KEYWORDS_PER_ADGROUP; k++) {
      const n = g * KEYWORDS_PER_ADGROUP + k;
      out.write(
        entity({ kind: 'keyword', id: id('nkw', n), name: `키워드${n}`, parentId: id('grp', g), campaignType: null }),
      );
    }
  }
  out.end();
  await finished(out);
}

const ref = (path: string): BlobRef => ({
  uri: `blob://file/${path.replace(/[^A-Za-z0-9._/-]/g, '_')}`,
  bytes: statSync(path).size,
  sha256: '0'.repeat(64),
  contentType: 'text/tab-separated-values',
});

/** Child: our pipeline over the file, the row set hashed and dropped (the store's work is not what is measured). */
async function runOurs(file: string, master: string): Promise<object> {
  const paths = new Map([
    [ref(file).uri, file],
    [ref(master).uri, master],
  ]);
  let outBytes = 0;
  const store: StreamStore = {
    getStream: async (r) => createReadStream(paths.get(r.uri)!, { highWaterMark: 1 << 20 }),
    putStream: async (key, content, contentType) => {
      const hash = createHash('sha256');
      for await (const chunk of content) {
        hash.update(chunk);
        outBytes += chunk.length;
      }
      return { uri: `blob://bench/${key}`, bytes: outBytes, sha256: hash.digest('hex'), contentType };
    },
  };
  const started = performance.now();
  const built = await buildRowSet(store, {
    key: 'rows/bench',
    layout: DEFAULT_LAYOUT,
    files: DAYS.map((d) => ({ reportType: 'AD_DETAIL' as const, statDate: d, file: ref(file) })).slice(0, 1),
    statDates: new Set(DAYS),
    master: ref(master),
  });
  const seconds = (performance.now() - started) / 1000;
  return {
    seconds,
    rows: built.rowCount,
    unnamed: built.unnamed,
    outBytes,
    rssMb: process.resourceUsage().maxRSS / 1024,
  };
}

/**
 * Child: DuckDB, one thread, the same work from the same files: the same grouping and sums, the names of the rows'
 * campaigns, ad groups and keywords joined from the same master snapshot (as ours joins them), sorted by the output's
 * columns, written as CSV.
 */
async function runDuckdb(file: string, master: string, outDir: string): Promise<object> {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const instance = await DuckDBInstance.create(':memory:', { threads: '1' });
  const db = await instance.connect();
  const started = performance.now();
  const columns = `{'d': 'VARCHAR', 'customer': 'VARCHAR', 'campaign': 'VARCHAR', 'adgroup': 'VARCHAR', 'keyword': 'VARCHAR', 'ad': 'VARCHAR', 'channel': 'VARCHAR', 'hour': 'VARCHAR', 'region': 'VARCHAR', 'media': 'VARCHAR', 'device': 'VARCHAR', 'imp': 'DOUBLE', 'clk': 'DOUBLE', 'cost': 'DOUBLE', 'rank': 'DOUBLE', 'views': 'DOUBLE'}`;
  const masterColumns = `{'kind': 'VARCHAR', 'id': 'VARCHAR', 'name': 'VARCHAR', 'parentId': 'VARCHAR', 'campaignType': 'VARCHAR', 'state': 'VARCHAR', 'deletedAt': 'VARCHAR'}`;
  const out = join(outDir, 'duckdb.csv');
  await db.run(`COPY (
    WITH stats AS (
      SELECT d, campaign, adgroup, keyword, device, sum(imp) AS imp, sum(clk) AS clk,
        round(sum(CASE WHEN d < '20260330' THEN cost * 1.1 ELSE cost END)) AS cost,
        round(sum(clk) * 100 / nullif(sum(imp), 0), 2) AS ctr,
        round(sum(CASE WHEN d < '20260330' THEN cost * 1.1 ELSE cost END) / nullif(sum(clk), 0)) AS cpc,
        round(sum(rank) / nullif(sum(imp), 0), 2) AS avg_rank
      FROM read_csv('${file}', delim = '\t', header = false, quote = '', escape = '', columns = ${columns})
      GROUP BY ALL
    ), names AS (
      SELECT id, name FROM read_csv('${master}', delim = '\t', header = false, skip = 2, quote = '', escape = '',
        columns = ${masterColumns})
    )
    SELECT s.d, c.name, s.campaign, g.name, s.adgroup, k.name, s.keyword, s.device, imp, clk, cost, ctr, cpc, avg_rank
    FROM stats s LEFT JOIN names c ON c.id = s.campaign LEFT JOIN names g ON g.id = s.adgroup
      LEFT JOIN names k ON k.id = s.keyword
    ORDER BY ALL
  ) TO '${out}' (FORMAT csv)`);
  const seconds = (performance.now() - started) / 1000;
  const rows = (await (await db.runAndReadAll(`SELECT count(*) AS n FROM read_csv('${out}')`)).getRowObjects())[0]!.n;
  return { seconds, rows: Number(rows), rssMb: process.resourceUsage().maxRSS / 1024 };
}

const [mode, ...rest] = process.argv.slice(2);
if (mode === '--generate') {
  // For profiling one side alone: `--generate <dir> <lines>` leaves ad-detail.tsv and master.tsv in <dir>.
  await writeAdDetail(join(rest[0]!, 'ad-detail.tsv'), Number(rest[1]));
  await writeMaster(join(rest[0]!, 'master.tsv'));
  process.exit(0);
}
if (mode === '--ours' || mode === '--duckdb') {
  const result = mode === '--ours' ? await runOurs(rest[0]!, rest[1]!) : await runDuckdb(rest[0]!, rest[1]!, rest[2]!);
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
}

const sizes = (mode ? [mode, ...rest] : ['100000', '1000000', '5000000']).map(Number);
const dir = mkdtempSync(join(tmpdir(), 'processing-bench-'));
const child = (args: string[]) => {
  const run = spawnSync(process.execPath, [fileURLToPath(import.meta.url), ...args], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`bench child ${args[0]} failed: ${run.stderr}`);
  return JSON.parse(run.stdout.trim().split('\n').at(-1)!) as { seconds: number; rows: number; rssMb: number };
};
const label = (n: number) => (n >= 1_000_000 ? `${n / 1_000_000}M` : `${n / 1000}k`);
const figures: Record<string, number> = {};
try {
  const master = join(dir, 'master.tsv');
  await writeMaster(master);
  for (const n of sizes) {
    const file = join(dir, `ad-detail-${n}.tsv`);
    await writeAdDetail(file, n);
    const mb = statSync(file).size / 1e6;
    // Best of a few alternating runs of each: on a shared machine a single run measures the neighbours as much as
    // the code, and alternating gives both sides the same neighbours.
    const best = <T extends { seconds: number }>(a: T | undefined, b: T) => (a && a.seconds <= b.seconds ? a : b);
    let ours: ReturnType<typeof child> | undefined;
    let duck: ReturnType<typeof child> | undefined;
    for (let run = 0; run < (n >= 5_000_000 ? 2 : 3); run++) {
      ours = best(ours, child(['--ours', file, master]));
      duck = best(duck, child(['--duckdb', file, master, dir]));
    }
    if (!ours || !duck) throw new Error('no run');
    if (ours.rows !== duck.rows) throw new Error(`ours made ${ours.rows} rows, DuckDB ${duck.rows}`);
    const rate = n / ours.seconds;
    console.log(
      `${label(n).padStart(4)} lines (${mb.toFixed(0)} MB): ours ${ours.seconds.toFixed(2)} s = ${Math.round(rate).toLocaleString('en-US')} rows/s, peak RSS ${ours.rssMb.toFixed(0)} MB, ${ours.rows} rows · DuckDB (1 thread) ${duck.seconds.toFixed(2)} s, peak RSS ${duck.rssMb.toFixed(0)} MB · ours ÷ DuckDB ${(ours.seconds / duck.seconds).toFixed(2)}`,
    );
    const k = label(n);
    figures[`rowsPerSecond_${k}`] = round(rate);
    figures[`seconds_${k}`] = round(ours.seconds, 3);
    figures[`duckdbSeconds_${k}`] = round(duck.seconds, 3);
    figures[`vsDuckdb_${k}`] = round(ours.seconds / duck.seconds, 2);
    figures[`peakRssMb_${k}`] = round(ours.rssMb);
    figures[`duckdbPeakRssMb_${k}`] = round(duck.rssMb);
    figures[`outputRows_${k}`] = ours.rows;
    rmSync(file);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
if (figures.rowsPerSecond_1M !== undefined) figures.rowsPerSecond = figures.rowsPerSecond_1M;
if (figures.vsDuckdb_1M !== undefined) figures.vsDuckdb = figures.vsDuckdb_1M;
if (figures.peakRssMb_5M !== undefined) figures.peakRssMb = figures.peakRssMb_5M;
reportFigures('processing', figures);
