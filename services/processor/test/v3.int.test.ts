import { isolatedEnvironment } from '@reportline/dev/test-environment';
import { type BlobStore, createPool, type Pool, postgresBlobStore, systemClock } from '@reportline/platform';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processDownload } from '../src/process.ts';
import { adLine, downloadedV3 } from './support.ts';

/**
 * ReportsDownloaded v3 against real Postgres, through processDownload itself: bad input fails the import naming the
 * place, and no failure, kill or race leaves a partial row set or a second answer.
 */
let pool: Pool;
let blobs: BlobStore;
const customerId = '5550011';
const generatedAt = '2026-11-11T21:00:00.000Z';

beforeAll(async () => {
  pool = createPool((await isolatedEnvironment()).databaseUrl);
  blobs = postgresBlobStore(pool);
});
afterAll(async () => {
  await pool?.end();
});

const oneFile = async (text: string) => {
  const file = await blobs.put(
    `raw/${crypto.randomUUID()}/AD/2026-11-10`,
    Buffer.from(text),
    'text/tab-separated-values',
  );
  const importId = crypto.randomUUID();
  const event = downloadedV3(
    { importId, customerId },
    {
      reports: [
        { reportType: 'AD', statDate: '2026-11-10', outcome: 'built', source: 'naver', generatedAt, file, rows: 1 },
      ],
      pending: [],
    },
  );
  return { importId, event };
};
const answers = async (importId: string) =>
  (
    await pool.query<{ event: { type: string; version: number; data: Record<string, unknown> } }>(
      `SELECT event FROM platform.outbox WHERE service = 'processor' AND event->>'importId' = $1`,
      [importId],
    )
  ).rows.map((r) => r.event);
const rowSets = async (importId: string) =>
  (await pool.query('SELECT key FROM platform.blobs WHERE key LIKE $1', [`rows/${importId}/%`])).rowCount;

describe('processing a ReportsDownloaded v3', () => {
  it('Given a non-numeric metric, When processed, Then the import fails naming file, line and column, with no row set', async () => {
    const bad = adLine(customerId).replace('\t3500\t', '\t3,500\t');
    const { importId, event } = await oneFile(`${adLine(customerId)}\n${bad}\n`);
    expect(await processDownload({ pool, blobs, clock: systemClock }, event)).toBe('failed');
    const [failed] = await answers(importId);
    expect(failed).toMatchObject({
      type: 'ImportFailed',
      data: { stage: 'process', code: 'report-format', retryable: false },
    });
    expect(failed!.data.message).toContain('AD 2026-11-10 line 2 column 12 (cost): not a number, found "3,500"');
    expect(await rowSets(importId)).toBe(0);
  });

  it('Given a truncated file, When processed, Then the import fails naming the last line', async () => {
    const { importId, event } = await oneFile(`${adLine(customerId)}\n${adLine(customerId).slice(0, 40)}`);
    expect(await processDownload({ pool, blobs, clock: systemClock }, event)).toBe('failed');
    expect((await answers(importId))[0]!.data.message).toContain('line 2: the file ends without a line break');
  });

  it('Given a layout that does not validate, When processed, Then the import fails as layout-invalid', async () => {
    const { importId, event } = await oneFile(`${adLine(customerId)}\n`);
    const layouts = { layoutOf: async () => ({ version: 1, dimensions: ['campaign'] }) };
    expect(await processDownload({ pool, blobs, clock: systemClock, layouts }, event)).toBe('failed');
    expect((await answers(importId))[0]).toMatchObject({ type: 'ImportFailed', data: { code: 'layout-invalid' } });
  });

  it('Given a process that dies mid-file, When the event is redelivered, Then no partial row set was left and one answer follows', async () => {
    const { importId, event } = await oneFile(`${adLine(customerId)}\n`.repeat(2_000));
    const dying: BlobStore = {
      ...blobs,
      getStream: async (ref) => {
        const whole = await blobs.getStream(ref);
        return (async function* () {
          for await (const chunk of whole) {
            yield chunk.subarray(0, 100);
            throw new Error('killed mid-file');
          }
        })() as unknown as Awaited<ReturnType<BlobStore['getStream']>>;
      },
    };
    await expect(processDownload({ pool, blobs: dying, clock: systemClock }, event)).rejects.toThrow('killed mid-file');
    expect(await rowSets(importId)).toBe(0);
    expect(await answers(importId)).toEqual([]);
    expect(await processDownload({ pool, blobs, clock: systemClock }, event)).toBe('processed');
    expect(await rowSets(importId)).toBe(1);
  });

  it('Given two instances receiving the same event at once, When both process it, Then one answer and one row set', async () => {
    const { importId, event } = await oneFile(`${adLine(customerId)}\n`);
    const outcomes = await Promise.all([
      processDownload({ pool, blobs, clock: systemClock }, event),
      processDownload({ pool, blobs, clock: systemClock }, event),
    ]);
    expect(outcomes.sort()).toEqual(['duplicate', 'processed']);
    expect((await answers(importId)).map((e) => `${e.type} v${e.version}`)).toEqual(['RowsProcessed v3']);
    expect(await rowSets(importId)).toBe(1);
    // A later redelivery is skipped before any work.
    expect(await processDownload({ pool, blobs, clock: systemClock }, event)).toBe('duplicate');
  });
});
