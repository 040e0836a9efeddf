import { afterEach, describe, expect, it } from 'vitest';
import { type RunningSheetsFake, startSheetsFake } from '../src/app.ts';

let fake: RunningSheetsFake | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function start(config?: Parameters<typeof startSheetsFake>[0], random?: () => number) {
  fake = await startSheetsFake(config, random ? { random } : {});
  fake.state.seedSpreadsheet({ spreadsheetId: 'ss1' });
  const put = (value: string) =>
    fetch(`${fake!.url}/v4/spreadsheets/ss1/values/Sheet1!A1?valueInputOption=RAW`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ values: [[value]] }),
    });
  return { fake, put };
}

describe('injected faults', () => {
  it('drop: applies the write, then destroys the socket instead of answering', async () => {
    const { fake, put } = await start();
    fake.state.injectFault({ kind: 'drop', method: 'values.update' });
    await expect(put('landed')).rejects.toThrow();
    expect(fake.state.readTab('ss1', 'Sheet1')).toEqual([['landed']]);
    expect(fake.state.requests.at(-1)?.outcome).toBe('dropped');
    expect((await put('next')).status).toBe(200);
  });

  it('drop-before-apply: the socket dies and nothing is written', async () => {
    const { fake, put } = await start();
    fake.state.injectFault({ kind: 'drop-before-apply' });
    await expect(put('lost')).rejects.toThrow();
    expect(fake.state.readTab('ss1', 'Sheet1')).toEqual([]);
  });

  it("500 and 503 are rejected in Google's shape without applying", async () => {
    const { fake, put } = await start();
    fake.state.injectFault({ kind: '500' });
    fake.state.injectFault({ kind: '503' });
    const first = await put('a');
    expect([first.status, await first.json()]).toEqual([
      500,
      { error: { code: 500, message: 'Internal error encountered.', status: 'INTERNAL' } },
    ]);
    const second = await put('b');
    expect([second.status, await second.json()]).toEqual([
      503,
      { error: { code: 503, message: 'The service is currently unavailable.', status: 'UNAVAILABLE' } },
    ]);
    expect(fake.state.readTab('ss1', 'Sheet1')).toEqual([]);
    expect(fake.state.countRequests('values.update')).toBe(2);
  });

  it('draws random faults from the configured rates', async () => {
    const draws = [0.05, 0.15, 0.9];
    const { put } = await start({ faults: { error500Rate: 0.1, error503Rate: 0.1 } }, () => draws.shift() ?? 0.9);
    expect((await put('a')).status).toBe(500);
    expect((await put('b')).status).toBe(503);
    expect((await put('c')).status).toBe(200);
  });

  it('seeds spreadsheets and reports request counts through /_fake', async () => {
    const { fake, put } = await start();
    await put('x');
    const seeded = await fetch(`${fake.url}/_fake/spreadsheets`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ spreadsheetId: 'ss2', sheets: [{ title: '로우데이터', values: [['a']] }] }),
    });
    const view = (await seeded.json()) as { sheets: { properties: { title: string } }[] };
    expect(view.sheets[0]?.properties.title).toBe('로우데이터');
    const counts = await (await fetch(`${fake.url}/_fake/requests`)).json();
    expect(counts).toEqual({ total: 1, byMethod: { 'values.update': 1 } });
  });
});
