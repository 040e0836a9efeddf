import { isolatedEnvironment } from '@reportline/dev/test-environment';
import { createPool, type Pool } from '@reportline/platform';
import { type RunningSheetsFake, startSheetsFake } from '@reportline/sheets-fake';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createQuotaScheduler, createSheetsPort, createSheetsWriter, type SheetsWriter } from '../src/sheets/index.ts';
import { withSpreadsheetLock } from '../src/write.ts';

/**
 * The Postgres advisory lock is the writer's only serialisation per spreadsheet (the protocol has no in-process
 * queue): two "processes" (pools and writers of their own), each with two writes in flight, all to one spreadsheet.
 * `_reportline` rows are placed by position, so any overlap of two writes could lose a record.
 */
let sheets: RunningSheetsFake;
const pools: Pool[] = [];

beforeAll(async () => {
  const env = await isolatedEnvironment();
  for (let i = 0; i < 2; i++) pools.push(createPool(env.databaseUrl));
  // Some latency per request, so unserialised writes would interleave rather than happen to run one after another.
  sheets = await startSheetsFake({ faults: { latencyMs: 5 } });
});

afterAll(async () => {
  await Promise.all(pools.map((p) => p.end()));
  await sheets?.close();
});

describe('one write per spreadsheet at a time, across processes and within one', () => {
  it('runs the writes of one spreadsheet one after another, and every record survives', async () => {
    sheets.state.seedSpreadsheet({ spreadsheetId: 'locked', sheets: [{ title: 'Summary' }] });
    const writerOf = (): SheetsWriter =>
      createSheetsWriter({
        port: createSheetsPort({ rootUrl: `${sheets.url}/` }),
        quota: createQuotaScheduler().forPrincipal('anonymous'),
      });
    const processes = pools.map((pool) => ({ pool, writer: writerOf() }));
    let inside = 0;
    let most = 0;
    const jobs = ['a', 'b', 'c', 'd'].map((tab, i) => {
      const { pool, writer } = processes[i % 2]!;
      return withSpreadsheetLock(pool, 'locked', async () => {
        most = Math.max(most, ++inside);
        try {
          return await writer.replaceDates({
            spreadsheetId: 'locked',
            sheetName: tab,
            writeJobId: `job-${tab}`,
            columns: [
              { name: 'date', type: 'date' },
              { name: 'n', type: 'number' },
            ],
            dates: ['2026-11-10'],
            pending: [],
            newerWritten: [],
            rows: [['2026-11-10', i]],
            rowCount: 1,
            policy: 'fail',
          });
        } finally {
          inside--;
        }
      });
    });
    expect((await Promise.all(jobs)).map((r) => r.rowsWritten)).toEqual([1, 1, 1, 1]);
    expect(most).toBe(1);
    const records = sheets.state.readTab('locked', '_reportline').slice(1);
    expect(records.map((r: unknown[]) => r[1]).sort()).toEqual(['job-a', 'job-b', 'job-c', 'job-d']);
  });
});
