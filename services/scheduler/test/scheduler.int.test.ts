import {
  ChunkDownloadedV2,
  LeaseRenewedV1,
  LeaseRequestedV1,
  LockGrantedV1,
  makeEvent,
  type ReportlineEvent,
  topics,
} from '@reportline/contracts';
import { createTopics, isolatedEnvironment, uniquePrefix } from '@reportline/dev/test-environment';
import { until } from '@reportline/dev/wait';
import {
  type Bus,
  createKafkaBus,
  createPool,
  kstDate,
  loadConfig,
  type Pool,
  type Running,
} from '@reportline/platform';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startScheduler } from '../src/app.ts';
import { schedulerConfig } from '../src/config.ts';
import { overdueCandidates } from '../src/store.ts';
import { answerCheck, OPERATOR_TOKEN, writablePreflight } from './in-memory-scheduler.ts';

let scheduler: Running & { url: string };
let bus: Bus;
let pool: Pool;
const seen: ReportlineEvent[] = [];
const secret = 'sEcReT-value-that-must-never-leak';

async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${scheduler.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${OPERATOR_TOKEN}`,
      ...(body ? { 'content-type': 'application/json' } : {}),
      ...headers,
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  // biome-ignore lint/suspicious/noExplicitAny: assertions below read these JSON answers field by field
  return { status: res.status, type: res.headers.get('content-type'), body: (await res.json()) as Record<string, any> };
}

beforeAll(async () => {
  const env = await isolatedEnvironment();
  const prefix = uniquePrefix();
  await createTopics(prefix);
  const base = {
    KAFKA_BROKERS: env.kafkaBrokers.join(','),
    DATABASE_URL: env.databaseUrl,
    TOPIC_PREFIX: prefix,
    LOG_LEVEL: 'warn',
  };
  scheduler = await startScheduler(
    loadConfig(schedulerConfig, {
      ...base,
      SECRETS_KEY: Buffer.alloc(32, 7).toString('base64'),
      IMPORT_STALL_MS: '1500',
      IMPORT_QUEUE_ACK_MS: '3000',
      IMPORT_SWEEP_MS: '200',
      INTERNAL_API_TOKEN: 'internal-token-for-tests-0123456789abcdef',
      SHEETS_WRITER_URL: 'http://127.0.0.1:9/unused',
      LOCK_SERVICE_URL: 'http://127.0.0.1:9/unused',
      BOOTSTRAP_ADMIN_TOKEN: OPERATOR_TOKEN,
    }),
    { preflight: writablePreflight },
  );
  bus = createKafkaBus({ brokers: env.kafkaBrokers, clientId: 'scheduler-test', topicPrefix: prefix });
  await bus.subscribe({ group: 'scheduler-test', topics: [topics.imports], handle: async (e) => void seen.push(e) });
  pool = createPool(env.databaseUrl);
});

afterAll(async () => {
  await bus?.close();
  await scheduler?.close();
  await pool?.end();
});

/** A connection created and verified: its credentials check answered ok on Kafka, as the naver-fetcher would. */
async function createVerified() {
  const created = await call('POST', '/connections', connection);
  const check = await until('the credentials check on Kafka', () =>
    seen.find((e) => e.type === 'CredentialsCheckRequested' && e.data.connectionId === created.body.id),
  );
  await bus.publish([answerCheck(check)]);
  await until('the connection verified', async () =>
    (await call('GET', `/connections/${created.body.id}`)).body.status === 'healthy' ? true : undefined,
  );
  return created;
}

const connection = {
  customerId: '338047',
  apiKey: '0100000000abc',
  secret,
  reportTypes: ['AD'],
  historyDays: 7,
  spreadsheetId: 'sheet-1',
  sheetName: '로우데이터',
};

describe('scheduler API', () => {
  it('creates a connection without ever returning or storing the secret in clear', async () => {
    const created = await call('POST', '/connections', connection);
    expect(created.status).toBe(201);
    expect(JSON.stringify(created.body)).not.toContain(secret);
    const { rows } = await pool.query("SELECT ciphertext::text AS c FROM platform.secrets WHERE ref = 'naver/' || $1", [
      created.body.id,
    ]);
    expect(rows).toHaveLength(1);
    expect(rows[0].c).not.toContain(secret);
  });

  it('rejects bad input with a problem that names the field', async () => {
    const bad = await call('POST', '/connections', { ...connection, customerId: 'abc' });
    expect(bad.status).toBe(400);
    expect(bad.type).toContain('application/problem+json');
    expect(bad.body.detail).toContain('customerId');
    const unknown = await call('POST', '/imports', { connectionId: crypto.randomUUID() });
    expect(unknown.status).toBe(404);
  });

  it('requests an import once per idempotency key and publishes one ImportRequested', async () => {
    const { body: c } = await createVerified();
    const key = { 'idempotency-key': crypto.randomUUID() };
    const first = await call(
      'POST',
      '/imports',
      { connectionId: c.id, dateRange: { from: '2026-11-01', to: '2026-11-03' } },
      key,
    );
    const again = await call(
      'POST',
      '/imports',
      { connectionId: c.id, dateRange: { from: '2026-11-01', to: '2026-11-03' } },
      key,
    );
    expect(first.status).toBe(202);
    expect(again.body.importId).toBe(first.body.importId);
    const deadline = Date.now() + 30_000;
    while (!seen.some((e) => e.importId === first.body.importId) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    const published = seen.filter((e) => e.importId === first.body.importId);
    expect(published).toHaveLength(1);
    expect(published[0]).toMatchObject({
      type: 'ImportRequested',
      customerId: '338047',
      data: { priority: 'on-demand', reportTypes: ['AD'] },
    });
    expect(JSON.stringify(published[0])).not.toContain(secret);
    const view = await call('GET', `/imports/${first.body.importId}`);
    expect(view.body).toMatchObject({ status: 'requested', steps: [{ type: 'ImportRequested' }] });
  });

  it('answers concurrent requests with one idempotency key with one import, scoped to the connection', async () => {
    const { body: c } = await createVerified();
    const { body: other } = await createVerified();
    const key = { 'idempotency-key': crypto.randomUUID() };
    const body = { connectionId: c.id, dateRange: { from: '2026-11-01', to: '2026-11-02' } };
    const answers = await Promise.all(Array.from({ length: 5 }, () => call('POST', '/imports', body, key)));
    expect(answers.map((a) => a.status)).toEqual([202, 202, 202, 202, 202]);
    expect(new Set(answers.map((a) => a.body.importId)).size).toBe(1);
    const elsewhere = await call('POST', '/imports', { ...body, connectionId: other.id }, key);
    expect(elsewhere.body.importId).not.toBe(answers[0]!.body.importId);
  });

  it('refuses a range that includes today in KST', async () => {
    const { body: c } = await createVerified();
    const today = kstDate(Date.now());
    const res = await call('POST', '/imports', { connectionId: c.id, dateRange: { from: today, to: today } });
    expect(res.status).toBe(400);
    expect(res.body.title).toContain('after yesterday');
  });

  it('documents its API as OpenAPI', async () => {
    const doc = await call('GET', '/openapi.json');
    expect(Object.keys(doc.body.paths)).toEqual(expect.arrayContaining(['/connections', '/imports', '/imports/{id}']));
  });

  it('ends a started import that stopped making progress, however often its lease is renewed', async () => {
    const { body: c } = await createVerified();
    const { body: requested } = await call('POST', '/imports', {
      connectionId: c.id,
      dateRange: { from: '2026-11-01', to: '2026-11-01' },
    });
    const lease = { leaseTtlMs: 60_000, leaseExpiresAt: new Date(Date.now() + 60_000).toISOString() };
    const ctx = () => ({
      source: 'test',
      importId: requested.importId,
      customerId: '338047',
      fencingToken: 1,
      now: new Date(),
    });
    await bus.publish([makeEvent(LockGrantedV1, { ...lease, waitedMs: 0 }, ctx())]);
    // A holder stuck on one NAVER job keeps renewing: renewals are not work, so they must not keep it alive.
    const renewing = setInterval(() => void bus.publish([makeEvent(LeaseRenewedV1, lease, ctx())]), 300);
    try {
      const view = await until(
        'the import to fail as stalled',
        async () => {
          const { body } = await call('GET', `/imports/${requested.importId}`);
          return body.status === 'failed' ? body : undefined;
        },
        30_000,
      );
      expect(view).toMatchObject({ failure: { stage: 'download', code: 'import-stalled', retryable: true } });
      expect(view.steps.filter((s: { type: string }) => s.type === 'LeaseRenewed').length).toBeGreaterThan(0);
    } finally {
      clearInterval(renewing);
    }
  });

  it('ends an import whose request neither the naver-fetcher nor the lock-service acknowledged', async () => {
    const { body: c } = await createVerified();
    const { body: requested } = await call('POST', '/imports', {
      connectionId: c.id,
      dateRange: { from: '2026-11-02', to: '2026-11-02' },
    });
    const started = Date.now();
    // No fetcher nor lock-service runs in this test: nobody answers with LeaseRequested or LockQueued.
    const view = await until(
      'the import to fail as lost',
      async () => {
        const { body } = await call('GET', `/imports/${requested.importId}`);
        return body.status === 'failed' ? body : undefined;
      },
      30_000,
    );
    expect(view.failure).toMatchObject({ stage: 'queue', code: 'lock-request-lost', retryable: true });
    expect(Date.now() - started).toBeGreaterThanOrEqual(2_500);
    expect(seen.filter((e) => e.type === 'ImportFailed' && e.importId === requested.importId)).toHaveLength(1);
  });

  it('keeps an import the naver-fetcher acknowledged with LeaseRequested past the ack bound', async () => {
    const { body: c } = await createVerified();
    const { body: requested } = await call('POST', '/imports', {
      connectionId: c.id,
      dateRange: { from: '2026-11-03', to: '2026-11-03' },
    });
    const request = await until('its ImportRequested', () =>
      seen.find(
        (e): e is Extract<ReportlineEvent, { type: 'ImportRequested' }> =>
          e.type === 'ImportRequested' && e.importId === requested.importId,
      ),
    );
    await bus.publish([
      makeEvent(
        LeaseRequestedV1,
        { request: request.data, naverReports: 1, storeReports: 0, verifyCredentials: true },
        { source: 'test', importId: requested.importId, customerId: '338047', causedBy: request, now: new Date() },
      ),
    ]);
    await until('LeaseRequested in the view', async () => {
      const { body } = await call('GET', `/imports/${requested.importId}`);
      return body.steps.some((s: { type: string }) => s.type === 'LeaseRequested') ? body : undefined;
    });
    // Past the ack bound (3 s) by more than two sweeps: a lost request would have failed by now.
    await new Promise((r) => setTimeout(r, 3_600));
    const { body: view } = await call('GET', `/imports/${requested.importId}`);
    expect(view).toMatchObject({ status: 'requested', failure: null });
  });

  it('does not stall an import whose stored days came before the lease it waits for, nor list it for the sweep', async () => {
    const { body: c } = await createVerified();
    const { body: requested } = await call('POST', '/imports', {
      connectionId: c.id,
      dateRange: { from: '2026-11-04', to: '2026-11-05' },
    });
    const request = await until('its ImportRequested', () =>
      seen.find(
        (e): e is Extract<ReportlineEvent, { type: 'ImportRequested' }> =>
          e.type === 'ImportRequested' && e.importId === requested.importId,
      ),
    );
    const ctx = { source: 'test', importId: requested.importId, customerId: '338047', causedBy: request };
    await bus.publish([
      makeEvent(
        ChunkDownloadedV2,
        {
          source: 'store',
          reports: [{ reportType: 'AD', statDate: '2026-11-04', outcome: 'built' }],
          bytes: 100,
          completed: 1,
          total: 2,
        },
        { ...ctx, now: new Date() },
      ),
      makeEvent(
        LeaseRequestedV1,
        { request: request.data, naverReports: 1, storeReports: 1, verifyCredentials: false },
        { ...ctx, now: new Date() },
      ),
    ]);
    await until('both folded into the view', async () => {
      const { body } = await call('GET', `/imports/${requested.importId}`);
      return body.steps.length === 3 ? body : undefined;
    });
    // Past the stall bound (1.5 s) by more than two sweeps: a stalled import would have failed by now.
    await new Promise((r) => setTimeout(r, 2_500));
    const { body: view } = await call('GET', `/imports/${requested.importId}`);
    expect(view).toMatchObject({ status: 'downloading', failure: null, progress: { completed: 1, total: 2 } });
    const now = Date.now();
    const candidates = await overdueCandidates(
      pool,
      { ack: new Date(now - 3_000), stall: new Date(now), lifetime: new Date(now - 3 * 3_600_000) },
      100,
    );
    expect(candidates).not.toContain(requested.importId);
  });
});
