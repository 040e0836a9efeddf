import { randomBytes } from 'node:crypto';
import { PreflightResult } from '@reportline/contracts';
import { createTopics, isolatedEnvironment, uniquePrefix } from '@reportline/dev/test-environment';
import { loadConfig, type Running } from '@reportline/platform';
import { type RunningSheetsFake, startSheetsFake } from '@reportline/sheets-fake';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSheetsWriter } from '../src/app.ts';
import { sheetsWriterConfig } from '../src/config.ts';

/** POST /internal/preflight against the fake's Drive permissions, as the scheduler calls it. */
const TOKEN = randomBytes(32).toString('base64url');
const A = 'writer-a@reportline-test.iam.gserviceaccount.com';
const B = 'writer-b@reportline-test.iam.gserviceaccount.com';
let writer: Running & { url: string };
let fake: RunningSheetsFake;

beforeAll(async () => {
  const env = await isolatedEnvironment();
  const prefix = uniquePrefix();
  await createTopics(prefix);
  fake = await startSheetsFake();
  writer = await startSheetsWriter(
    loadConfig(sheetsWriterConfig, {
      KAFKA_BROKERS: env.kafkaBrokers.join(','),
      DATABASE_URL: env.databaseUrl,
      TOPIC_PREFIX: prefix,
      LOG_LEVEL: 'silent',
      SHEETS_API_URL: `${fake.url}/`,
      INTERNAL_API_TOKEN: TOKEN,
      SHEETS_PRINCIPALS: JSON.stringify([
        { email: A, project: 'reportline-test' },
        { email: B, project: 'reportline-test' },
      ]),
    }),
  );
});

afterAll(async () => {
  await writer?.close();
  await fake?.close();
});

async function preflight(body: Record<string, unknown>, token = TOKEN) {
  const res = await fetch(`${writer.url}/internal/preflight`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** A new connection (bound to a principal by its first preflight) and the principal it got. */
async function connection(): Promise<{ connectionId: string; email: string }> {
  const spreadsheetId = seed();
  const connectionId = crypto.randomUUID();
  const res = await preflight({ connectionId, spreadsheetId, sheetName: 'Data' });
  return { connectionId, email: PreflightResult.parse(res.body).principalEmail };
}

function seed(permissions?: { emailAddress: string; role: 'reader' | 'writer' }[]): string {
  const spreadsheetId = `pf-${randomBytes(4).toString('hex')}`;
  fake.state.seedSpreadsheet({ spreadsheetId, sheets: [{ title: 'Data' }], ...(permissions ? { permissions } : {}) });
  return spreadsheetId;
}

describe('POST /internal/preflight', () => {
  it('Given no or a wrong service credential, Then 401 before anything is checked', async () => {
    const before = fake.state.requests.length;
    const body = { connectionId: crypto.randomUUID(), spreadsheetId: seed(), sheetName: 'Data' };
    expect((await preflight(body, 'x'.repeat(40))).status).toBe(401);
    const none = await fetch(`${writer.url}/internal/preflight`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(none.status).toBe(401);
    expect(fake.state.requests.length).toBe(before);
  });

  it('Given new connections, Then each is bound to the least-loaded principal, and keeps it', async () => {
    const first = await connection();
    const second = await connection();
    expect([first.email, second.email].sort()).toEqual([A, B]);
    const again = await preflight({ connectionId: first.connectionId, spreadsheetId: seed(), sheetName: 'Data' });
    expect(again.body.principalEmail).toBe(first.email);
  });

  it('Given a spreadsheet not shared with the principal, Then not ok: share it with that email as Editor', async () => {
    const { connectionId, email } = await connection();
    const spreadsheetId = seed([]);
    const res = await preflight({ connectionId, spreadsheetId, sheetName: 'Data' });
    expect(res.status).toBe(200);
    expect(PreflightResult.parse(res.body)).toMatchObject({
      ok: false,
      principalEmail: email,
      problems: [
        { code: 'not-shared', action: expect.stringContaining(`Share the spreadsheet with ${email} as Editor`) },
      ],
    });
  });

  it('Given a Viewer share, Then the real write check fails: change the access to Editor', async () => {
    const { connectionId, email } = await connection();
    const spreadsheetId = seed([{ emailAddress: email, role: 'reader' }]);
    const res = PreflightResult.parse((await preflight({ connectionId, spreadsheetId, sheetName: 'Data' })).body);
    expect(res.ok).toBe(false);
    expect(res.problems).toEqual([
      expect.objectContaining({ code: 'not-editor', action: expect.stringContaining('from Viewer to Editor') }),
    ]);
  });

  it('Given an Editor share, Then ok, and the probe left no tab behind', async () => {
    const { connectionId, email } = await connection();
    const spreadsheetId = seed([{ emailAddress: email, role: 'writer' }]);
    const before = fake.state.listTabs(spreadsheetId);
    const res = PreflightResult.parse((await preflight({ connectionId, spreadsheetId, sheetName: 'New tab' })).body);
    expect(res).toEqual({ ok: true, principalEmail: email, spreadsheetId, sheetName: 'New tab', problems: [] });
    expect(fake.state.listTabs(spreadsheetId)).toEqual(before);
    const probes = fake.state.requests.filter((r) => r.spreadsheetId === spreadsheetId);
    expect(probes.map((r) => [r.method, r.user, r.outcome])).toEqual([
      ['spreadsheets.get', email, 200],
      ['spreadsheets.batchUpdate', email, 200],
    ]);
  });

  it('Given a missing spreadsheet, Then not ok: check its ID', async () => {
    const { connectionId } = await connection();
    const res = PreflightResult.parse(
      (await preflight({ connectionId, spreadsheetId: 'no-such-spreadsheet', sheetName: 'Data' })).body,
    );
    expect(res.problems.map((p) => p.code)).toEqual(['spreadsheet-not-found']);
  });

  it('Given a reserved or invalid tab name on a writable spreadsheet, Then not ok, naming the tab problem', async () => {
    const { connectionId, email } = await connection();
    const spreadsheetId = seed([{ emailAddress: email, role: 'writer' }]);
    const reserved = PreflightResult.parse(
      (await preflight({ connectionId, spreadsheetId, sheetName: '_reportline' })).body,
    );
    expect(reserved.problems.map((p) => p.code)).toEqual(['sheet-name-reserved']);
    const invalid = PreflightResult.parse((await preflight({ connectionId, spreadsheetId, sheetName: 'a\tb' })).body);
    expect(invalid.problems.map((p) => p.code)).toEqual(['sheet-name-invalid']);
    expect((await preflight({ connectionId, spreadsheetId, sheetName: '' })).status).toBe(400);
  });
});
