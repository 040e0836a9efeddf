import { type RunningSheetsFake, startSheetsFake } from '@reportline/sheets-fake';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withAccessErrors } from '../src/access.ts';
import {
  createQuotaScheduler,
  createSheetsPort,
  createSheetsWriter,
  fakePrincipalAuth,
  SpreadsheetUnreachableError,
} from '../src/sheets/index.ts';

const EMAIL = 'writer-1@reportline-a.iam.gserviceaccount.com';
let fake: RunningSheetsFake;
beforeAll(async () => {
  fake = await startSheetsFake();
});
afterAll(async () => {
  await fake?.close();
});

function write(spreadsheetId: string) {
  const port = withAccessErrors(
    createSheetsPort({ rootUrl: `${fake.url}/`, auth: fakePrincipalAuth(EMAIL), timeoutMs: 5_000 }),
    EMAIL,
  );
  const writer = createSheetsWriter({ port, quota: createQuotaScheduler().forPrincipal(EMAIL) });
  return writer.replaceDates({
    spreadsheetId,
    sheetName: 'Data',
    writeJobId: 'job-1',
    columns: [
      { name: 'date', type: 'date' },
      { name: 'clicks', type: 'number' },
    ],
    dates: ['2026-11-20'],
    pending: [],
    newerWritten: [],
    rows: [['2026-11-20', 1]],
    rowCount: 1,
    policy: 'fail',
  });
}

describe('access refused at write time', () => {
  it('Given a Viewer share (the read passes), When the first write is refused, Then it is permanent: share as Editor', async () => {
    fake.state.seedSpreadsheet({ spreadsheetId: 'viewer', permissions: [{ emailAddress: EMAIL, role: 'reader' }] });
    const err = await write('viewer').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SpreadsheetUnreachableError);
    expect((err as Error).message).toContain(`share the spreadsheet with ${EMAIL} as Editor`);
    // Refused once: not retried by the quota scheduler's backoff.
    expect(fake.state.requests.filter((r) => r.spreadsheetId === 'viewer' && r.outcome === 403)).toHaveLength(1);
  });

  it('Given a deleted spreadsheet, Then it is permanent too', async () => {
    await expect(write('gone')).rejects.toBeInstanceOf(SpreadsheetUnreachableError);
  });
});
