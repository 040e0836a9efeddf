import { describe, expect, it } from 'vitest';
import { AmbiguousOutcomeError, CellLimitError } from '../src/sheets/errors.ts';
import { inProcessLayoutMemory } from '../src/sheets/layout-memory.ts';
import { setup } from './protocol-fixture.ts';

/**
 * The write protocol with the layout its last commit left (layout-memory.ts): a daily update reads the tab and
 * `_reportline` in one spreadsheets.get with ranges, and still sees what a person changed since. Expected tabs are
 * written out by hand from the seeded tab (header, then 2023-12-31 = serial 45291 "kept").
 */
const TAB = '로우데이터';

async function remembering(options: Parameters<typeof setup>[0] = {}) {
  const layouts = inProcessLayoutMemory();
  const s = await setup({ ...options, writer: { ...options.writer, layouts } });
  /** The calls made from now on, as `method status` (GET/POST told apart by the method name). */
  const from = () => {
    const start = s.state.requests.length;
    return () => s.state.requests.slice(start).map((r) => `${r.method} ${r.outcome}`);
  };
  /** What a person does in the Sheets UI, over the API as another caller. */
  const person = (requests: unknown[]) =>
    fetch(`${s.url}/v4/spreadsheets/ss1:batchUpdate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer person@example.com' },
      body: JSON.stringify({ requests }),
    }).then((r) => r.status);
  return { ...s, layouts, from, person };
}

describe('a daily update on the layout its last commit left', () => {
  it('reads in ONE request and writes in one, with the same result as listing every tab', async () => {
    // Given a tab the writer committed to once
    const { state, write, from } = await remembering();
    await write('job-1', [['2024-01-02', 'a', 1]]);
    // When the next day's update also restates the day before
    const calls = from();
    const result = await write('job-2', [
      ['2024-01-02', 'a2', 5],
      ['2024-01-03', 'b', 2],
    ]);
    // Then one read (the tab and _reportline) and one write went out
    expect(calls()).toEqual(['spreadsheets.get 200', 'spreadsheets.batchUpdate 200']);
    expect(result).toMatchObject({ rowsWritten: 2, rowsInTab: 3, written: ['2024-01-02', '2024-01-03'] });
    expect(state.readTab('ss1', TAB)).toEqual([
      ['date', 'keyword', 'clicks'],
      [45_291, 'kept', 7],
      [45_293, 'a2', 5],
      [45_294, 'b', 2],
    ]);
    expect(state.readTab('ss1', '_reportline').map((r) => r.slice(0, 3))).toEqual([
      ['sheetName', 'writeJobId', 'rows'],
      [TAB, 'job-2', 2],
    ]);
  });

  it("addresses the rows where a person's edits since put them", async () => {
    const { state, write, person } = await remembering();
    await write('job-1', [['2024-01-02', 'a', 1]]);
    // Given a person inserted two rows above the data and typed a row of 2024-01-02 into the first one
    expect(
      await person([
        { insertDimension: { range: { sheetId: tabId(state), dimension: 'ROWS', startIndex: 1, endIndex: 3 } } },
      ]),
    ).toBe(200);
    expect(
      await person([
        {
          updateCells: {
            start: { sheetId: tabId(state), rowIndex: 1, columnIndex: 0 },
            rows: [
              {
                values: [
                  { userEnteredValue: { stringValue: '2024-01-02' } },
                  { userEnteredValue: { stringValue: 'typed' } },
                ],
              },
            ],
            fields: 'userEnteredValue',
          },
        },
      ]),
    ).toBe(200);
    // When the writer replaces 2024-01-02
    await write('job-2', [['2024-01-02', 'new', 3]]);
    // Then both rows of that date are gone (the typed one and the writer's), the empty row stays, the new row is in place
    expect(state.readTab('ss1', TAB)).toEqual([
      ['date', 'keyword', 'clicks'],
      [],
      [45_291, 'kept', 7],
      [45_293, 'new', 3],
    ]);
  });

  it('lists every tab again when the tab it remembers was renamed, as a write without the layout does', async () => {
    const { state, write, from, person } = await remembering();
    await write('job-1', [['2024-01-02', 'a', 1]]);
    // Given a person renamed the tab
    const renamed = {
      updateSheetProperties: { properties: { sheetId: tabId(state), title: 'mine now' }, fields: 'title' },
    };
    expect(await person([renamed])).toBe(200);
    // When the next update runs
    const calls = from();
    await write('job-2', [['2024-01-03', 'b', 2]]);
    // Then its one read fails on the range and it falls back to listing the tabs and reading _reportline
    expect(calls()).toEqual([
      'spreadsheets.get 400',
      'spreadsheets.get 200',
      'values.batchGet 200',
      'spreadsheets.batchUpdate 200',
    ]);
    // And, as without the layout, the connection's tab is made again while the renamed one is left alone
    expect(state.readTab('ss1', 'mine now')).toEqual([
      ['date', 'keyword', 'clicks'],
      [45_291, 'kept', 7],
      [45_293, 'a', 1],
    ]);
    expect(state.readTab('ss1', TAB)).toEqual([
      ['date', 'keyword', 'clicks'],
      [45_294, 'b', 2],
    ]);
  });

  it("counts a tab a person added: Google's refusal of the commit, then the cell policy with every tab listed", async () => {
    const LIMIT = 100_000;
    const { state, write, from, person } = await remembering({
      fake: { limits: { maxCellsPerSpreadsheet: LIMIT } },
      writer: { maxCells: LIMIT },
    });
    await write('job-1', [['2024-01-02', 'a', 1]]);
    // Given a person added a tab that leaves less room than one more row of the tab (26 columns wide)
    const room = 10;
    const rows = LIMIT - state.totalCells('ss1') - room;
    const big = { addSheet: { properties: { title: 'Big', gridProperties: { rowCount: rows, columnCount: 1 } } } };
    expect(await person([big])).toBe(200);
    const tabBefore = state.readTab('ss1', TAB);
    // When an update of one more day runs under the `fail` policy
    const calls = from();
    const failed = await write('job-2', [['2024-01-03', 'b', 2]]).catch((err: unknown) => err);
    // Then Google refused the commit on the remembered tabs, the writer listed them all, and the policy failed the write
    expect(failed).toBeInstanceOf(CellLimitError);
    expect(calls()).toEqual(['spreadsheets.get 200', 'spreadsheets.batchUpdate 400', 'spreadsheets.get 200']);
    expect(state.readTab('ss1', TAB)).toEqual(tabBefore);
  });

  it('replays a committed job from its record with the one read', async () => {
    const { write, from } = await remembering();
    const first = await write('job-1', [['2024-01-02', 'a', 1]]);
    await write('job-2', [['2024-01-03', 'b', 2]]);
    const calls = from();
    expect(await write('job-2', [['2024-01-03', 'b', 2]])).toMatchObject({ replayed: true, rowsWritten: 1 });
    expect(calls()).toEqual(['spreadsheets.get 200']);
    expect(first.replayed).toBe(false);
  });

  it('forgets the layout before a commit whose outcome stays unknown: the next run lists every tab', async () => {
    const { state, write, from, layouts } = await remembering();
    await write('job-1', [['2024-01-02', 'a', 1]]);
    // Given the next commit lands but its answer is lost
    state.injectFault({ kind: 'drop', method: 'spreadsheets.batchUpdate' });
    await expect(write('job-2', [['2024-01-03', 'b', 2]])).rejects.toBeInstanceOf(AmbiguousOutcomeError);
    expect(await layouts.recall('ss1')).toBeUndefined();
    // When it runs again, it reads the tabs whole, finds its record and writes nothing
    const calls = from();
    expect(await write('job-2', [['2024-01-03', 'b', 2]])).toMatchObject({ replayed: true });
    expect(calls()).toEqual(['spreadsheets.get 200', 'values.batchGet 200']);
  });
});

function tabId(state: Awaited<ReturnType<typeof setup>>['state']): number {
  const tab = state.listTabs('ss1').find((t) => t.title === TAB);
  if (!tab) throw new Error(`no tab ${TAB}`);
  return tab.sheetId;
}
