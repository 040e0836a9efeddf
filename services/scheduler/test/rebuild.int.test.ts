import { examples, findEventDefinition, makeEvent, type ReportlineEvent, topics } from '@reportline/contracts';
import { createTopics, isolatedEnvironment, uniquePrefix } from '@reportline/dev/test-environment';
import { until } from '@reportline/dev/wait';
import { type Bus, createKafkaBus, createPool, loadConfig, type Pool, type Running } from '@reportline/platform';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startScheduler } from '../src/app.ts';
import { schedulerConfig } from '../src/config.ts';
import { rebuildImportViews } from '../src/rebuild.ts';
import { answerCheck, OPERATOR_TOKEN, writablePreflight } from './in-memory-scheduler.ts';

/**
 * The scheduler's import read model rebuilt from Kafka equals the one its live projection folded: imports run
 * through the real projection on real topics, the views are snapshotted and wiped, and the rebuild folds them again.
 */
let scheduler: (Running & { url: string }) | undefined;
let bus: Bus;
let pool: Pool;
let brokers: string[];
let prefix: string;
const seen: ReportlineEvent[] = [];

async function call(method: string, path: string, body?: unknown) {
  const res = await fetch(`${scheduler!.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${OPERATOR_TOKEN}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  // biome-ignore lint/suspicious/noExplicitAny: the test reads these JSON answers field by field
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

beforeAll(async () => {
  const env = await isolatedEnvironment();
  brokers = env.kafkaBrokers;
  prefix = uniquePrefix();
  await createTopics(prefix);
  scheduler = await startScheduler(
    loadConfig(schedulerConfig, {
      KAFKA_BROKERS: brokers.join(','),
      DATABASE_URL: env.databaseUrl,
      TOPIC_PREFIX: prefix,
      LOG_LEVEL: 'warn',
      SECRETS_KEY: Buffer.alloc(32, 5).toString('base64'),
      INTERNAL_API_TOKEN: 'internal-token-for-tests-0123456789abcdef',
      SHEETS_WRITER_URL: 'http://127.0.0.1:9/unused',
      LOCK_SERVICE_URL: 'http://127.0.0.1:9/unused',
      BOOTSTRAP_ADMIN_TOKEN: OPERATOR_TOKEN,
    }),
    { preflight: writablePreflight },
  );
  bus = createKafkaBus({ brokers, clientId: 'rebuild-test', topicPrefix: prefix });
  await bus.subscribe({ group: 'rebuild-test', topics: [topics.imports], handle: async (e) => void seen.push(e) });
  pool = createPool(env.databaseUrl);
});

afterAll(async () => {
  await bus?.close();
  await scheduler?.close();
  await pool?.end();
});

/** Another event of the import, as its service would publish it: the contracts' example data, at `at`. */
function emit(
  request: ReportlineEvent,
  type: ReportlineEvent['type'],
  version: number,
  at: number,
  data: Record<string, unknown> = {},
): ReportlineEvent {
  const example = examples.find((e) => e.type === type && e.version === version)!;
  return makeEvent(
    findEventDefinition(type, version)!,
    { ...(example.data as object), ...data },
    {
      source: 'rebuild-test',
      importId: request.importId,
      customerId: request.customerId,
      causedBy: request,
      fencingToken: 1,
      now: new Date(Date.parse(request.time) + at * 1000),
    },
  ) as ReportlineEvent;
}

const snapshot = async () =>
  (
    await pool.query(
      `SELECT import_id, status, view, progress_at,
              (SELECT array_agg(event_id::text ORDER BY event_id) FROM scheduler.import_events e
               WHERE e.import_id = i.import_id) AS events
       FROM scheduler.imports i ORDER BY import_id`,
    )
  ).rows;

describe('rebuilding the import read model from Kafka', () => {
  it('folds the same views, statuses and timelines as the live projection did', async () => {
    const created = await call('POST', '/connections', {
      customerId: '660001',
      apiKey: 'key',
      secret: 'secret',
      reportTypes: ['AD'],
      historyDays: 7,
      spreadsheetId: 'sheet-1',
      sheetName: 'rows',
    });
    expect(created.status).toBe(201);
    const check = await until('the credentials check on Kafka', () =>
      seen.find((e) => e.type === 'CredentialsCheckRequested' && e.data.connectionId === created.body.id),
    );
    await bus.publish([answerCheck(check)]);
    await until('the connection verified', async () =>
      (await call('GET', `/connections/${created.body.id}`)).body.status === 'healthy' ? true : undefined,
    );

    const request = async (from: string, to: string) => {
      const res = await call('POST', '/imports', { connectionId: created.body.id, dateRange: { from, to } });
      expect(res.status).toBe(202);
      return until('its ImportRequested on Kafka', () =>
        seen.find((e) => e.type === 'ImportRequested' && e.importId === res.body.importId),
      );
    };
    const completed = await request('2026-10-01', '2026-10-07');
    const failed = await request('2026-10-08', '2026-10-09');
    const cancelled = await request('2026-10-10', '2026-10-10');
    await request('2026-10-11', '2026-10-11'); // left waiting

    const chunks = Array.from({ length: 30 }, (_, i) =>
      emit(completed, 'ChunkDownloaded', 2, 20 + i, { completed: i + 1, total: 30 }),
    );
    const flow = [
      emit(completed, 'LeaseRequested', 1, 1),
      emit(completed, 'LockQueued', 1, 2),
      emit(completed, 'LockGranted', 1, 10),
      ...chunks,
      emit(completed, 'ReportsDownloaded', 3, 60),
      emit(completed, 'LeaseReleased', 2, 61),
      emit(completed, 'RowsProcessed', 3, 90),
      emit(completed, 'SheetWritten', 2, 120),
      emit(completed, 'ImportCompleted', 1, 121),
      emit(failed, 'LeaseRequested', 1, 1),
      emit(failed, 'LockGranted', 1, 5),
      emit(failed, 'ImportFailed', 1, 9, { code: 'naver-unavailable', retryable: true }),
    ];
    await bus.publish(flow);
    expect((await call('DELETE', `/imports/${cancelled.importId}`)).status).toBe(202);
    await until('the cancellation on Kafka', () =>
      seen.find((e) => e.type === 'ImportFailed' && e.importId === cancelled.importId),
    );
    const expected = new Map<string, number>([
      [completed.importId, 1 + flow.filter((e) => e.importId === completed.importId).length],
      [failed.importId, 1 + flow.filter((e) => e.importId === failed.importId).length],
    ]);
    await until('the live projection folded every event', async () => {
      const { rows } = await pool.query<{ import_id: string; n: number }>(
        'SELECT import_id, count(*)::int AS n FROM scheduler.import_events GROUP BY import_id',
      );
      return [...expected].every(([id, n]) => rows.find((r) => r.import_id === id)?.n === n) || undefined;
    });
    const live = await snapshot();
    const liveCompleted = live.find((r) => r.import_id === completed.importId)!;
    expect(liveCompleted.view).toMatchObject({ status: 'completed', rowsProcessed: expect.any(Number) });
    expect(liveCompleted.view.steps.find((s: { type: string }) => s.type === 'ChunkDownloaded').count).toBe(30);

    // The live service is gone: only the topics and the commands' state are left.
    await scheduler!.close();
    scheduler = undefined;
    await pool.query(
      `UPDATE scheduler.imports SET view = jsonb_build_object('importId', import_id, 'customerId', customer_id),
         status = 'requested', progress_at = NULL`,
    );
    await pool.query('DELETE FROM scheduler.import_events');

    const report = await rebuildImportViews({ pool, brokers, topicPrefix: prefix, timeoutMs: 60_000 });
    expect(report.rebuilt).toBe(live.length);
    expect(report.undecodable).toBe(0);
    expect(await snapshot()).toEqual(live);
  });
});
