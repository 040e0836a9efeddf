import { CredentialsCheckedV1, makeEvent, type PreflightResult, type ReportlineEvent } from '@reportline/contracts';
import { isolatedEnvironment } from '@reportline/dev/test-environment';
import { until } from '@reportline/dev/wait';
import { type Clock, createInMemoryBus, type InMemoryBus, loadConfig, type Running } from '@reportline/platform';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import type { RaiseAlert } from '../src/alerts/alert.ts';
import { buildScheduler, type SchedulerDeps } from '../src/app.ts';
import { schedulerConfig } from '../src/config.ts';
import type { Preflight } from '../src/connection-lifecycle.ts';

/** `inject` as the tests call it: with the operator's token unless the call sends its own authorization. */
export type Inject = (opts: InjectOptions) => Promise<LightMyRequestResponse>;

export const OPERATOR_TOKEN = 'operator-token-for-tests-0123456789abcdef';

/** The sheets-writer's preflight as tests want it: every target writable, unless the spreadsheet id says otherwise. */
export const writablePreflight: Preflight = async (req): Promise<PreflightResult> => ({
  ok: !req.spreadsheetId.startsWith('missing'),
  principalEmail: 'reportline-1@reportline.iam.gserviceaccount.com',
  spreadsheetId: req.spreadsheetId,
  sheetName: req.sheetName,
  problems: req.spreadsheetId.startsWith('missing')
    ? [{ code: 'spreadsheet-not-found', detail: `no spreadsheet ${req.spreadsheetId}`, action: 'Check the id' }]
    : [],
});

/**
 * The scheduler's real wiring on an in-memory bus and this worker's Postgres, started, with `inject` for its routes
 * (authorized as the operator by default) and the database's URL for tests that set up stored state.
 */
export async function startInMemoryScheduler(
  deps: Partial<SchedulerDeps> & { clock?: Clock; raiseAlert?: RaiseAlert } = {},
): Promise<{ bus: InMemoryBus; scheduler: Running; inject: Inject; databaseUrl: string }> {
  const env = await isolatedEnvironment();
  const bus = createInMemoryBus();
  const config = loadConfig(schedulerConfig, {
    KAFKA_BROKERS: 'unused:9092',
    DATABASE_URL: env.databaseUrl,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    SECRETS_KEY: Buffer.alloc(32, 9).toString('base64'),
    INTERNAL_API_TOKEN: 'internal-token-for-tests-0123456789abcdef',
    SHEETS_WRITER_URL: 'http://127.0.0.1:9/unused',
    LOCK_SERVICE_URL: 'http://127.0.0.1:9/unused',
    BOOTSTRAP_ADMIN_TOKEN: OPERATOR_TOKEN,
  });
  const built = await buildScheduler(config, { bus, preflight: writablePreflight, ...deps });
  const inject: Inject = (opts) =>
    built.http.inject({ ...opts, headers: { authorization: `Bearer ${OPERATOR_TOKEN}`, ...(opts.headers ?? {}) } });
  return { bus, inject, scheduler: await built.start(), databaseUrl: env.databaseUrl };
}

/** The naver-fetcher's answer to a credentials check, as it would publish it. */
export function answerCheck(
  requested: ReportlineEvent,
  answer: { ok: boolean; code?: string; message?: string; action?: string; retryable?: boolean } = { ok: true },
) {
  return makeEvent(
    CredentialsCheckedV1,
    {
      connectionId: (requested.data as { connectionId: string }).connectionId,
      ok: answer.ok,
      code: answer.code ?? null,
      message: answer.message ?? null,
      action: answer.action ?? null,
      retryable: answer.retryable ?? false,
    },
    {
      source: 'naver-fetcher',
      importId: requested.importId,
      customerId: requested.customerId,
      causedBy: requested,
      now: new Date(),
    },
  );
}

/** POST /connections for `customerId` with a fixed target and AD reports, NOT yet verified; the raw response. */
export const postConnection = (inject: Inject, customerId: string, extra: Record<string, unknown> = {}) =>
  inject({
    method: 'POST',
    url: '/connections',
    payload: {
      customerId,
      apiKey: 'key',
      secret: 'never-shown',
      reportTypes: ['AD'],
      historyDays: 7,
      spreadsheetId: 'sheet-1',
      sheetName: '로우데이터',
      ...extra,
    },
  });

/**
 * A connection created and verified: the check it asked for is answered ok on the bus, as the fetcher would, and the
 * connection has turned healthy. The response as `inject` gave it for the POST.
 */
export async function createConnection(
  inject: Inject,
  bus: InMemoryBus,
  customerId: string,
  extra: Record<string, unknown> = {},
) {
  const res = await postConnection(inject, customerId, extra);
  if (res.statusCode !== 201) return res;
  const id = res.json().id;
  const check = await until('CredentialsCheckRequested on the bus', () =>
    bus.published.find((e) => e.type === 'CredentialsCheckRequested' && e.data.connectionId === id),
  );
  await bus.publish([answerCheck(check)]);
  await until('the connection verified', async () => {
    const c = await inject({ method: 'GET', url: `/connections/${id}` });
    return c.json().status === 'healthy' ? c : undefined;
  });
  return res;
}
