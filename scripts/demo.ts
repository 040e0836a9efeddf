// `npm run demo`: Kafka + Postgres (found or started), both simulators, all five services, and one import of a
// simulated NAVER account into a fake Google Sheet with a progress bar. `--once` exits after the import with a
// one-line JSON summary; otherwise everything keeps running until Ctrl-C. Every process started here is stopped.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTopics, dropDatabases, ensureDatabase, migrateAll, withDatabase } from '@reportline/dev';
import { startEnvironment } from '@reportline/dev/environment';
import { freePort } from '@reportline/dev/ports';
import { type Child, spawnNode, stopAll, waitForHealth } from './demo-processes.ts';

const once = process.argv.includes('--once');
const t0 = Date.now();
const demoDir = join('.cache', 'demo');
mkdirSync(join(demoDir, 'logs'), { recursive: true });
const log = (msg: string) => process.stderr.write(`[demo] ${msg}\n`);
const children: Child[] = [];
let environment: Awaited<ReturnType<typeof startEnvironment>> | undefined;

async function shutdown(code: number): Promise<never> {
  await stopAll(children);
  await environment?.stop().catch(() => {});
  process.exit(code);
}
process.on('SIGINT', () => void shutdown(130));
process.on('SIGTERM', () => void shutdown(143));

try {
  environment = await startEnvironment({ log, docker: 'compose' });
  const databaseUrl = withDatabase(environment.databaseUrl, 'reportline_demo');
  // State in Postgres remembers Kafka offsets (the lock-service's fencing), so it must not outlive its broker: with a
  // broker started for this run, the demo database starts empty too. A broker you provide keeps both.
  if (environment.kafkaSource !== 'env') await dropDatabases(environment.databaseUrl, ['reportline_demo']);
  await ensureDatabase(environment.databaseUrl, 'reportline_demo');
  await migrateAll(databaseUrl);
  await createTopics(environment.kafkaBrokers, '');

  // One simulated NAVER account; the key and secret exist only in this file and in the encrypted secret store.
  const customer = {
    customerId: '1234567',
    apiKey: `0100000000${randomBytes(8).toString('hex')}`,
    secret: randomBytes(16).toString('base64'),
    size: 'small',
    seed: 7,
  };
  const naverConfig = join(demoDir, 'naver-simulator.json');
  // Data-ready hour 0: the demo may run before 06:00 KST, when real NAVER would still answer 20007 for yesterday.
  const knobs = { reportBuildMs: 400, latencyMs: 5, dataReadyHourKst: 0 };
  writeFileSync(naverConfig, JSON.stringify({ customers: [customer], knobs }, null, 2));
  const keyFile = join(demoDir, 'secrets-key');
  if (!existsSync(keyFile)) writeFileSync(keyFile, randomBytes(32).toString('base64'), { mode: 0o600 });

  const [naverPort, sheetsPort, schedulerPort, lockPort, fetcherPort, processorPort, writerPort] = await Promise.all(
    Array.from({ length: 7 }, () => freePort()),
  );
  const naverUrl = `http://127.0.0.1:${naverPort}`;
  const sheetsUrl = `http://127.0.0.1:${sheetsPort}`;
  const common = {
    KAFKA_BROKERS: environment.kafkaBrokers.join(','),
    DATABASE_URL: databaseUrl,
    SECRETS_KEY: readFileSync(keyFile, 'utf8'),
    LOG_LEVEL: 'info',
  };
  // The credential of the lock-service's internal endpoints (renewals, current holder), new for every demo run and
  // given only to the two services that use it.
  const internalApiToken = randomBytes(32).toString('base64url');
  // The scheduler's operator token (it may create tenants), new for every run: the demo creates its tenant with it.
  const operatorToken = randomBytes(32).toString('base64url');
  children.push(
    spawnNode(
      'naver-simulator',
      'infra/simulators/naver-searchad/src/main.ts',
      ['--port', String(naverPort), '--config', naverConfig],
      {},
    ),
    spawnNode('sheets-fake', 'infra/simulators/google-sheets/src/main.ts', ['--port', String(sheetsPort)], {}),
    spawnNode('scheduler', 'services/scheduler/src/server.ts', [], {
      ...common,
      PORT: String(schedulerPort),
      INTERNAL_API_TOKEN: internalApiToken,
      SHEETS_WRITER_URL: `http://127.0.0.1:${writerPort}`,
      LOCK_SERVICE_URL: `http://127.0.0.1:${lockPort}`,
      BOOTSTRAP_ADMIN_TOKEN: operatorToken,
    }),
    spawnNode('lock-service', 'services/lock-service/src/server.ts', [], {
      ...common,
      PORT: String(lockPort),
      INTERNAL_API_TOKEN: internalApiToken,
    }),
    spawnNode('naver-fetcher', 'services/naver-fetcher/src/server.ts', [], {
      ...common,
      PORT: String(fetcherPort),
      NAVER_BASE_URL: naverUrl,
      // The demo's NAVER is the simulator: attribute requests to leases so its overlap oracle can check them.
      NAVER_SEND_ORIGIN: 'true',
      LOCK_SERVICE_URL: `http://127.0.0.1:${lockPort}`,
      INTERNAL_API_TOKEN: internalApiToken,
      NAVER_POLL_MS: '500',
    }),
    spawnNode('processor', 'services/processor/src/server.ts', [], { ...common, PORT: String(processorPort) }),
    spawnNode('sheets-writer', 'services/sheets-writer/src/server.ts', [], {
      ...common,
      PORT: String(writerPort),
      SHEETS_API_URL: `${sheetsUrl}/`,
      INTERNAL_API_TOKEN: internalApiToken,
    }),
  );
  const schedulerUrl = `http://127.0.0.1:${schedulerPort}`;
  await Promise.all([
    waitForHealth(`${naverUrl}/_sim/requests`, children[0]!),
    waitForHealth(`${sheetsUrl}/_fake/requests`, children[1]!),
    ...[schedulerPort, lockPort, fetcherPort, processorPort, writerPort].map((p, i) =>
      waitForHealth(`http://127.0.0.1:${p}/health`, children[i + 2]!),
    ),
  ]);
  log(`all services up after ${((Date.now() - t0) / 1000).toFixed(1)} s`);

  let bearer = operatorToken;
  const post = async (url: string, body: unknown) => {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}` },
      body: JSON.stringify(body),
    });
    const json = await res.json();
    if (!res.ok) throw new Error(`POST ${url} answered ${res.status}: ${JSON.stringify(json)}`);
    return json as Record<string, unknown>;
  };
  const spreadsheetId = `demo-${randomBytes(4).toString('hex')}`;
  await post(`${sheetsUrl}/_fake/spreadsheets`, {
    spreadsheetId,
    title: 'Reportline demo',
    sheets: [{ title: 'Sheet1' }],
  });
  // The demo's own tenant, and its admin token for the person at the terminal (and the CLI).
  const tenant = (await post(`${schedulerUrl}/tenants`, { name: `demo-${randomBytes(3).toString('hex')}` })) as {
    adminToken: { token: string };
  };
  bearer = tenant.adminToken.token;
  const envLines = `export REPORTLINE_URL=${schedulerUrl} REPORTLINE_TOKEN=${bearer}\n`;
  writeFileSync(join(demoDir, 'env'), envLines, { mode: 0o600 });
  const connection = await post(`${schedulerUrl}/connections`, {
    customerId: customer.customerId,
    apiKey: customer.apiKey,
    secret: customer.secret,
    reportTypes: ['AD', 'AD_CONVERSION'],
    historyDays: 14,
    spreadsheetId,
    sheetName: '로우데이터',
  });
  // Creating the connection queued its first-link import; it waits until NAVER accepted the credentials.
  const requested = connection.firstImport as { importId: string };
  const importUrl = `${schedulerUrl}/imports/${requested.importId}`;
  log(`import ${requested.importId} requested: 14 days of AD + AD_CONVERSION for customer ${customer.customerId}`);
  console.error(`\nUse the API from this shell (also in ${join(demoDir, 'env')}):\n  ${envLines}`);

  const view = await followImport(importUrl, bearer, once ? 300_000 : 1_800_000);
  const { overlaps } = (await (await fetch(`${naverUrl}/_sim/overlaps`)).json()) as { overlaps: unknown[] };
  console.error(`
Where to look:
  import progress    ${importUrl}
  scheduler API      ${schedulerUrl}/openapi.json
  NAVER lock         ${schedulerUrl}/locks/${customer.customerId}   (with the token)
  API docs           ${schedulerUrl}/docs
  NAVER requests     ${naverUrl}/_sim/requests?customerId=${customer.customerId}   overlaps: ${naverUrl}/_sim/overlaps
  the sheet          ${sheetsUrl}/_fake/spreadsheets/${spreadsheetId}   (every tab, as HTML)
  its values         ${sheetsUrl}/v4/spreadsheets/${spreadsheetId}/values/${encodeURIComponent("'로우데이터'!A1:O20")}
  service logs       ${join(demoDir, 'logs')}/`);
  const summary = {
    importId: view.importId,
    status: view.status,
    rowsWritten: view.rowsWritten,
    naverRequests: view.naverRequests,
    // Absent from a scheduler older than the data calendar: reports served from the fetcher's store, dates not ready.
    storeReports: view.storeReports ?? null,
    pendingDates: view.pending?.length ?? 0,
    naverOverlaps: overlaps.length,
    kafka: environment.kafkaSource,
    postgres: environment.postgresSource,
    seconds: Math.round((Date.now() - t0) / 100) / 10,
  };
  if (once) {
    console.log(JSON.stringify(summary));
    await shutdown(view.status === 'completed' ? 0 : 1);
  }
  log('running; press Ctrl-C to stop everything');
} catch (err) {
  log(`failed: ${err instanceof Error ? err.message : String(err)}`);
  await shutdown(1);
}

interface ImportView {
  importId: string;
  status: string;
  progress: { completed: number; total: number } | null;
  rowsWritten: number | null;
  naverRequests: number | null;
  storeReports?: number | null;
  pending?: { reportType: string; statDate: string; code: string }[];
  failure: { code: string; message: string } | null;
}

/** Polls the import until it ends, drawing a progress bar (one line per change when not on a terminal). */
async function followImport(url: string, token: string, timeoutMs: number): Promise<ImportView> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    const view = (await (await fetch(url, { headers: { authorization: `Bearer ${token}` } })).json()) as ImportView;
    const done = view.progress?.completed ?? 0;
    const total = view.progress?.total ?? 0;
    const width = 30;
    const filled = total > 0 ? Math.round((done / total) * width) : 0;
    // (type, date) reports, from NAVER or the store; a pending date counts once the fetcher gave up on it for now.
    const line = `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${total || '?'} reports  ${view.status}`;
    if (line !== last) {
      if (process.stderr.isTTY) process.stderr.write(`\r${line}   `);
      else process.stderr.write(`${line}\n`);
      last = line;
    }
    if (view.status === 'completed' || view.status === 'failed') {
      if (process.stderr.isTTY) process.stderr.write('\n');
      if (view.failure) log(`import failed: ${view.failure.code}: ${view.failure.message}`);
      return view;
    }
    if (Date.now() > deadline) throw new Error(`import did not finish within ${timeoutMs / 1000} s; see ${url}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
