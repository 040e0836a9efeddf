import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import {
  ChunkDownloadedV2,
  CredentialsCheckedV1,
  ImportFailedV1,
  makeEvent,
  type ReportlineEvent,
} from '@reportline/contracts';
import { isolatedEnvironment } from '@reportline/dev/test-environment';
import { until } from '@reportline/dev/wait';
import { createInMemoryBus, type InMemoryBus, kstDate, loadConfig, type Running } from '@reportline/platform';
import { buildScheduler, type SchedulerDeps } from '@reportline/scheduler/app';
import { schedulerConfig } from '@reportline/scheduler/config';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const TOKEN = 'operator-token-for-cli-tests-0123456789abcdef';
const SECRET = 'naver-secret-that-must-never-be-printed';
const HELD = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa';

// The preflight and the lock view are the sheets-writer's and the lock-service's: answered here as they would.
const preflight: NonNullable<SchedulerDeps['preflight']> = async (req) => ({
  ok: !req.spreadsheetId.startsWith('missing'),
  principalEmail: 'reportline-1@reportline.iam.gserviceaccount.com',
  spreadsheetId: req.spreadsheetId,
  sheetName: req.sheetName,
  problems: req.spreadsheetId.startsWith('missing')
    ? [{ code: 'spreadsheet-not-found', detail: `no spreadsheet ${req.spreadsheetId}`, action: 'Check the id' }]
    : [],
});
const lockView: NonNullable<SchedulerDeps['lockView']> = async (customerId) => ({
  customerId,
  holder: null,
  queue: [],
  lockDelayUntil: null,
  history: [
    {
      importId: HELD,
      grantedAt: '2026-12-01T10:00:00.000Z',
      expiresAt: '2026-12-01T10:01:00.000Z',
      renewals: 1,
      endedAt: '2026-12-01T10:00:45.000Z',
      endedBy: 'released',
      token: 7,
    },
  ],
});

let bus: InMemoryBus;
let scheduler: Running & { url: string };

/** A date `n` days before today in KST, the calendar the scheduler's ranges are in. */
const daysAgo = (n: number) => kstDate(new Date(Date.now() - n * 86_400_000));

interface Run {
  stdout: string;
  stderr: string;
  done: Promise<{ code: number | null; stdout: string; stderr: string }>;
}

/** The CLI as a child process, as a person runs it; `stdout` grows while it runs. */
function cli(args: string[], opts: { env?: Record<string, string | undefined>; input?: string } = {}): Run {
  const env = { REPORTLINE_URL: scheduler.url, REPORTLINE_TOKEN: TOKEN, NAVER_SECRET: SECRET, ...opts.env };
  const child = spawn(process.execPath, [MAIN, ...args], {
    env: Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined)),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const run: Run = { stdout: '', stderr: '', done: undefined as never };
  child.stdout.on('data', (d) => {
    run.stdout += d;
  });
  child.stderr.on('data', (d) => {
    run.stderr += d;
  });
  child.stdin.end(opts.input ?? '');
  run.done = new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout: run.stdout, stderr: run.stderr }));
  });
  return run;
}
const exec = (args: string[], opts?: Parameters<typeof cli>[1]) => cli(args, opts).done;

const api = async (path: string) =>
  // biome-ignore lint/suspicious/noExplicitAny: the tests read these answers field by field
  (await fetch(`${scheduler.url}${path}`, { headers: { authorization: `Bearer ${TOKEN}` } })).json() as Promise<any>;

/** Answers the connection's credentials check ok, as the naver-fetcher would, and waits for it to turn healthy. */
async function verify(connectionId: string) {
  const check = await until('CredentialsCheckRequested', () =>
    bus.published.find((e) => e.type === 'CredentialsCheckRequested' && e.data.connectionId === connectionId),
  );
  const answer = { connectionId, ok: true, code: null, message: null, action: null, retryable: false };
  await bus.publish([
    makeEvent(CredentialsCheckedV1, answer, {
      source: 'naver-fetcher',
      importId: check.importId,
      customerId: check.customerId,
      causedBy: check,
      now: new Date(),
    }),
  ]);
  await until('the connection healthy', async () =>
    (await api(`/connections/${connectionId}`)).status === 'healthy' ? true : undefined,
  );
}

const createArgs = (customerId: string, name: string) => [
  'connections',
  'create',
  '--customer-id',
  customerId,
  '--api-key',
  'key',
  '--spreadsheet',
  'https://docs.google.com/spreadsheets/d/sheet-1/edit#gid=0',
  '--sheet',
  'Raw',
  '--name',
  name,
  '--history-days',
  '7',
  // The first-link import covers other dates than the ones imported below, so that one is never coalesced onto it.
  '--first-from',
  daysAgo(20),
  '--first-to',
  daysAgo(19),
];

beforeAll(async () => {
  const env = await isolatedEnvironment();
  bus = createInMemoryBus();
  const config = loadConfig(schedulerConfig, {
    KAFKA_BROKERS: 'unused:9092',
    DATABASE_URL: env.databaseUrl,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    SECRETS_KEY: Buffer.alloc(32, 5).toString('base64'),
    INTERNAL_API_TOKEN: 'internal-token-for-cli-tests-0123456789abcdef',
    SHEETS_WRITER_URL: 'http://127.0.0.1:9/unused',
    LOCK_SERVICE_URL: 'http://127.0.0.1:9/unused',
    BOOTSTRAP_ADMIN_TOKEN: TOKEN,
  });
  scheduler = await (await buildScheduler(config, { bus, preflight, lockView })).start();
});

afterAll(async () => {
  await scheduler?.close();
});

describe('reportline against a real scheduler', () => {
  let connectionId: string;

  it('creates a connection with the secret from a variable, never printing it, and lists it', async () => {
    const created = await exec([...createArgs('5001', 'shop'), '--secret-env', 'NAVER_SECRET']);
    expect(created).toMatchObject({ code: 0, stderr: '' });
    expect(created.stdout).toMatch(/^connection [0-9a-f-]{36} \(shop\): verifying/);
    expect(created.stdout).toContain('shared with reportline-1@reportline.iam.gserviceaccount.com as Editor');
    expect(created.stdout).toMatch(/first import [0-9a-f-]{36} queued/);
    expect(created.stdout).not.toContain(SECRET);
    connectionId = /^connection ([0-9a-f-]{36})/.exec(created.stdout)![1]!;
    await verify(connectionId);

    const listed = await exec(['connections', 'list']);
    expect(listed.code).toBe(0);
    expect(listed.stdout.split('\n')[0]).toMatch(/^ID +NAME +CUSTOMER +STATUS +SCHEDULE +SHEET$/);
    expect(listed.stdout).toMatch(new RegExp(`${connectionId} +shop +5001 +healthy +06:30 KST +sheet-1 / Raw`));
    const json = JSON.parse((await exec(['connections', 'list', '--json'])).stdout);
    expect(json).toEqual([expect.objectContaining({ id: connectionId, name: 'shop', status: 'healthy' })]);
  });

  it('reads the secret from stdin with --secret -', async () => {
    const created = await exec([...createArgs('5002', 'other'), '--secret', '-'], { input: `${SECRET}\n` });
    expect(created.code).toBe(0);
    expect(created.stdout).toContain('(other): verifying');
    expect(created.stdout).not.toContain(SECRET);
  });

  it('pauses and resumes the schedule of a connection named by its name or customer id', async () => {
    const paused = await exec(['connections', 'pause', 'shop']);
    expect(paused).toMatchObject({ code: 0, stderr: '' });
    expect(paused.stdout).toContain('(shop): healthy, paused');
    expect((await exec(['connections', 'list'])).stdout).toMatch(/shop +5001 +healthy +paused/);
    expect((await api(`/connections/${connectionId}`)).paused).toBe(true);

    const resumed = await exec(['connections', 'resume', '5001']);
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).not.toContain('paused');
    expect((await api(`/connections/${connectionId}`)).paused).toBe(false);
  });

  it('follows an import to its failure: one line per change off a terminal, exit 1 with the reason', async () => {
    const run = cli(['import', 'shop', '--from', daysAgo(5), '--to', daysAgo(3), '--follow']);
    const importId = await until(
      'the import requested',
      () => /^import ([0-9a-f-]{36}) requested/m.exec(run.stdout)?.[1],
    );
    const requested = await until('its ImportRequested on the bus', () =>
      bus.published.find((e) => e.type === 'ImportRequested' && e.importId === importId),
    );
    const by = (e: ReportlineEvent) => ({
      source: 'naver-fetcher',
      importId,
      customerId: '5001',
      causedBy: e,
      now: new Date(),
    });
    const chunk = {
      source: 'naver' as const,
      reports: [{ reportType: 'AD' as const, statDate: daysAgo(5), outcome: 'built' as const }],
      bytes: 100,
      completed: 1,
      total: 3,
    };
    await until('the import drawn as requested', () => (run.stdout.includes('reports  requested') ? true : undefined));
    await bus.publish([makeEvent(ChunkDownloadedV2, chunk, by(requested))]);
    await until('the progress drawn', () => (run.stdout.includes('1/3 reports') ? true : undefined));
    const failure = {
      stage: 'download' as const,
      code: 'naver-unavailable',
      message: 'NAVER answered 503',
      retryable: true,
    };
    await bus.publish([makeEvent(ImportFailedV1, failure, by(requested))]);

    const { code, stdout, stderr } = await run.done;
    expect(code).toBe(1);
    expect(stdout.split('\n')).toEqual([
      `import ${importId} requested`,
      '[----------] 0/? reports  requested',
      '[###-------] 1/3 reports  downloading',
      '[###-------] 1/3 reports  failed',
      '',
    ]);
    expect(stdout).not.toContain('\r');
    const [reason, advice, ...more] = stderr.trimEnd().split('\n');
    expect(reason).toBe(`reportline: import ${importId} failed at download: naver-unavailable: NAVER answered 503`);
    expect(advice).toMatch(/^reportline: what to do: ./);
    expect(more).toEqual([]);

    const listed = await exec(['imports', 'list', '--connection', 'shop', '--status', 'failed']);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(
      new RegExp(`${importId} +5001 +failed +1/3 .* naver-unavailable: NAVER answered 503`),
    );
    expect((await exec(['imports', 'list'])).stdout).toContain(importId);
  });

  it("draws a customer id's lock timeline, and refuses one none of the tenant's connections uses", async () => {
    const shown = await exec(['locks', '5001']);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain('NAVER lock of customer 5001: free');
    expect(shown.stdout).toMatch(
      new RegExp(`1 +${HELD} +2026-12-01 10:00:00Z +2026-12-01 10:00:45Z +45s +released \\(1 renewals\\)`),
    );
    expect(shown.stdout).toContain('queue: empty');

    const other = await exec(['locks', '9999']);
    expect(other).toMatchObject({ code: 1, stdout: '' });
    expect(other.stderr).toBe('reportline: 404 none of your connections uses customer id 9999\n');
  });

  it("prints the API's refusals as one line and exits 1", async () => {
    const wrong = await exec(['connections', 'list'], { env: { REPORTLINE_TOKEN: 'rl_wrong_token' } });
    expect(wrong).toMatchObject({ code: 1, stdout: '' });
    expect(wrong.stderr).toMatch(/^reportline: 401 [^\n]+\n$/);

    const unwritable = await exec([
      ...createArgs('5003', 'nope').map((a) => (a.includes('sheet-1') ? 'missing-sheet' : a)),
      '--secret-env',
      'NAVER_SECRET',
    ]);
    expect(unwritable).toMatchObject({ code: 1, stdout: '' });
    expect(unwritable.stderr).toMatch(/^reportline: 422 [^\n]*\n$/);

    const nobody = await exec(['import', 'no-such-connection']);
    expect(nobody).toMatchObject({ code: 1, stdout: '' });
    expect(nobody.stderr).toContain("no connection has the id, name or customer id 'no-such-connection'");
  });

  it('exits 2 naming what is wrong on a usage error, before calling the API', async () => {
    const unknown = await exec(['frobnicate']);
    expect(unknown).toMatchObject({ code: 2, stdout: '' });
    expect(unknown.stderr).toBe("reportline: unknown command 'frobnicate' (see `reportline help`)\n");

    const flag = await exec(['imports', 'list', '--colour', 'red']);
    expect(flag).toMatchObject({ code: 2 });
    expect(flag.stderr).toContain('unknown flag --colour');

    const unset = await exec(['connections', 'list'], { env: { REPORTLINE_URL: undefined } });
    expect(unset).toMatchObject({ code: 2 });
    expect(unset.stderr).toContain('REPORTLINE_URL is not set');

    const noSecret = await exec([...createArgs('5004', 'x'), '--secret-env', 'NOT_SET_ANYWHERE']);
    expect(noSecret).toMatchObject({ code: 2 });
    expect(noSecret.stderr).toContain('$NOT_SET_ANYWHERE is not set');

    const help = await exec(['help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^usage: reportline/);
  });
});
