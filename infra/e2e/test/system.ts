import { randomBytes } from 'node:crypto';
import { createTopics, uniquePrefix } from '@reportline/dev/test-environment';
import { startLockService } from '@reportline/lock-service/app';
import { lockServiceConfig } from '@reportline/lock-service/config';
import { startFetcher } from '@reportline/naver-fetcher/app';
import { fetcherConfig } from '@reportline/naver-fetcher/config';
import { type SimulatorConfigInput, startSimulator } from '@reportline/naver-simulator';
import { type Clock, loadConfig, type Running } from '@reportline/platform';
import { startProcessor } from '@reportline/processor/app';
import { processorConfig } from '@reportline/processor/config';
import { startScheduler } from '@reportline/scheduler/app';
import { schedulerConfig } from '@reportline/scheduler/config';
import { startSheetsFake } from '@reportline/sheets-fake';
import { startSheetsWriter } from '@reportline/sheets-writer/app';
import { sheetsWriterConfig } from '@reportline/sheets-writer/config';

export interface System {
  schedulerUrl: string;
  /** An admin token of the tenant the system was started with; `call` sends it to the scheduler. */
  token: string;
  lockUrl: string;
  naver: Awaited<ReturnType<typeof startSimulator>>;
  sheets: Awaited<ReturnType<typeof startSheetsFake>>;
  close(): Promise<void>;
}

/**
 * All five services on fresh topics, over `databaseUrl`, with both simulators: the system as a user meets it.
 * `env` adds or overrides variables of every service (bounds, backoffs). `clock`, when given, is the one wall clock of
 * every service and of the NAVER simulator (so they agree on the KST day); `schedulerEnv` and `fetcherEnv` add or
 * override variables of that service only; `sheets` configures the Google Sheets fake.
 */
export async function startSystem(opts: {
  kafkaBrokers: string[];
  databaseUrl: string;
  naver: SimulatorConfigInput;
  env?: Record<string, string>;
  clock?: Clock;
  schedulerEnv?: Record<string, string>;
  fetcherEnv?: Record<string, string>;
  /** The Google Sheets fake's config (its limits, faults); its defaults when absent. */
  sheets?: Parameters<typeof startSheetsFake>[0];
}): Promise<System> {
  const prefix = uniquePrefix();
  await createTopics(prefix);
  const services: Running[] = [];
  const clock = opts.clock;
  const deps = clock ? { clock } : {};
  const naver = await startSimulator(opts.naver, clock ? { now: () => clock.now() } : {});
  const sheets = await startSheetsFake(opts.sheets);
  const base = {
    KAFKA_BROKERS: opts.kafkaBrokers.join(','),
    DATABASE_URL: opts.databaseUrl,
    TOPIC_PREFIX: prefix,
    LOG_LEVEL: 'warn',
    SECRETS_KEY: randomBytes(32).toString('base64'),
    // The lock-service's internal endpoints (renewals, current holder) accept only this; the fetcher sends it.
    INTERNAL_API_TOKEN: randomBytes(32).toString('base64url'),
    ...opts.env,
  };
  try {
    const lock = await startLockService(loadConfig(lockServiceConfig, { TICK_MS: '100', ...base }), deps);
    services.push(lock);
    // NAVER is the simulator here, so requests carry their lease's origin for the overlap oracle.
    const fetcherEnv = {
      NAVER_BASE_URL: naver.url,
      NAVER_SEND_ORIGIN: 'true',
      NAVER_POLL_MS: '200',
      LOCK_SERVICE_URL: lock.url,
      ...base,
      ...opts.fetcherEnv,
    };
    services.push(await startFetcher(loadConfig(fetcherConfig, fetcherEnv), deps));
    services.push(await startProcessor(loadConfig(processorConfig, base), deps));
    const writer = await startSheetsWriter(
      loadConfig(sheetsWriterConfig, { SHEETS_API_URL: `${sheets.url}/`, ...base }),
      deps,
    );
    services.push(writer);
    // Last: the scheduler proves every new target through the writer's preflight.
    const operator = randomBytes(32).toString('base64url');
    const scheduler = await startScheduler(
      loadConfig(schedulerConfig, {
        SHEETS_WRITER_URL: writer.url,
        LOCK_SERVICE_URL: lock.url,
        BOOTSTRAP_ADMIN_TOKEN: operator,
        ...base,
        ...opts.schedulerEnv,
      }),
      deps,
    );
    services.push(scheduler);
    schedulerToken = operator;
    return {
      schedulerUrl: scheduler.url,
      token: operator,
      lockUrl: lock.url,
      naver,
      sheets,
      async close() {
        for (const s of services.reverse()) await s.close();
        await naver.close();
        await sheets.close();
      },
    };
  } catch (err) {
    for (const s of services.reverse()) await s.close().catch(() => {});
    await naver.close();
    await sheets.close();
    throw err;
  }
}

/** The operator token of the last system started: `call` authorizes every request with it. */
let schedulerToken = '';

/** One JSON call; a failed or non-JSON answer comes back as its status with an empty body. */
export async function call(method: string, url: string, body?: unknown) {
  try {
    const res = await fetch(url, {
      method,
      headers: {
        ...(body ? { 'content-type': 'application/json' } : {}),
        ...(schedulerToken ? { authorization: `Bearer ${schedulerToken}` } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
    });
    // biome-ignore lint/suspicious/noExplicitAny: assertions read these JSON answers field by field
    return { status: res.status, body: (await res.json().catch(() => ({}))) as Record<string, any> };
  } catch {
    return { status: 0, body: {} };
  }
}

/**
 * Creates a spreadsheet in the fake and a connection to it, whose first-link import covers `firstImportRange`;
 * returns the connection id and that import's id.
 */
export async function connect(
  system: System,
  customer: { customerId: string; apiKey: string; secret: string },
  sheetName: string,
  reportTypes: string[] = ['AD', 'AD_CONVERSION'],
  firstImportRange?: { from: string; to: string },
): Promise<{ connectionId: string; spreadsheetId: string; firstImportId: string }> {
  const spreadsheetId = `e2e-${randomBytes(4).toString('hex')}`;
  await call('POST', `${system.sheets.url}/_fake/spreadsheets`, {
    spreadsheetId,
    title: 'e2e',
    sheets: [{ title: 'Sheet1' }],
  });
  const connection = await call('POST', `${system.schedulerUrl}/connections`, {
    ...customer,
    reportTypes,
    historyDays: 30,
    spreadsheetId,
    sheetName,
    firstImportRange,
  });
  if (connection.status !== 201) throw new Error(`connection not created: ${JSON.stringify(connection.body)}`);
  return { connectionId: connection.body.id, spreadsheetId, firstImportId: connection.body.firstImport.importId };
}
