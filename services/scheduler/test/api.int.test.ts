import {
  ChunkDownloadedV2,
  examples,
  LeaseRequestedV1,
  makeEvent,
  type ReportlineEvent,
  ReportsDownloadedV3,
} from '@reportline/contracts';
import { until } from '@reportline/dev/wait';
import { createPool, type InMemoryBus, type Pool, type Running } from '@reportline/platform';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConnection, type Inject, startInMemoryScheduler } from './in-memory-scheduler.ts';

/**
 * The request-import use case through the scheduler's real wiring, called with app.inject on the in-memory bus and
 * real Postgres: no Kafka and no socket between the test and the routes.
 */
let bus: InMemoryBus;
let scheduler: Running;
let inject: Inject;
let pool: Pool;

/** The contracts' example of one event version: what the data-calendar fetcher publishes. */
const example = <T extends ReportlineEvent['type'], V extends Extract<ReportlineEvent, { type: T }>['version']>(
  type: T,
  version: V,
) =>
  examples.find((e) => e.type === type && e.version === version) as Extract<ReportlineEvent, { type: T; version: V }>;

beforeAll(async () => {
  let databaseUrl: string;
  ({ bus, scheduler, inject, databaseUrl } = await startInMemoryScheduler());
  pool = createPool(databaseUrl);
});

afterAll(async () => {
  await scheduler?.close();
  await pool?.end();
});

describe('requesting an import (in-memory bus, app.inject)', () => {
  it('publishes one ImportRequested for the connection and shows the import as requested', async () => {
    const connection = await createConnection(inject, bus, '338047');
    expect(connection.statusCode).toBe(201);
    const requested = await inject({
      method: 'POST',
      url: '/imports',
      payload: { connectionId: connection.json().id, dateRange: { from: '2026-11-01', to: '2026-11-03' } },
    });
    expect(requested.statusCode).toBe(202);
    const { importId } = requested.json();
    const event = await until('ImportRequested on the bus', () =>
      bus.published.find((e) => e.type === 'ImportRequested' && e.importId === importId),
    );
    expect(event).toMatchObject({
      customerId: '338047',
      data: { priority: 'on-demand', dateRange: { from: '2026-11-01', to: '2026-11-03' } },
    });
    expect(JSON.stringify(event)).not.toContain('never-shown');
    const view = await inject({ method: 'GET', url: `/imports/${importId}` });
    expect(view.json()).toMatchObject({ status: 'requested', steps: [{ type: 'ImportRequested' }] });
  });

  it('answers a request for an unknown connection with 404 and publishes nothing', async () => {
    const before = bus.published.length;
    const res = await inject({ method: 'POST', url: '/imports', payload: { connectionId: crypto.randomUUID() } });
    expect(res.statusCode).toBe(404);
    expect(res.json().detail).toContain('does not exist');
    expect(bus.published.length).toBe(before);
  });

  it('shows what the data-calendar fetcher reports: the lease it asked for, stored days, pending dates, report jobs', async () => {
    const connection = await createConnection(inject, bus, '338048');
    const requested = await inject({
      method: 'POST',
      url: '/imports',
      payload: { connectionId: connection.json().id, dateRange: { from: '2026-11-15', to: '2026-11-21' } },
    });
    const { importId } = requested.json();
    const request = await until('ImportRequested on the bus', () =>
      bus.published.find(
        (e): e is Extract<ReportlineEvent, { type: 'ImportRequested' }> =>
          e.type === 'ImportRequested' && e.importId === importId,
      ),
    );
    const ctx = (minutes: number) => ({
      source: 'naver-fetcher',
      importId,
      customerId: '338048',
      causedBy: request,
      now: new Date(Date.parse(request.time) + minutes * 60_000),
    });
    await bus.publish([
      makeEvent(ChunkDownloadedV2, { ...example('ChunkDownloaded', 2).data, total: 7 }, ctx(1)),
      makeEvent(
        LeaseRequestedV1,
        { request: request.data, naverReports: 5, storeReports: 2, verifyCredentials: false },
        ctx(2),
      ),
      makeEvent(ReportsDownloadedV3, example('ReportsDownloaded', 3).data, ctx(3)),
    ]);
    const view = await until('the download folded into the view', async () => {
      const res = await inject({ method: 'GET', url: `/imports/${importId}` });
      return res.json().status === 'processing' ? res : undefined;
    });
    expect(view.statusCode).toBe(200);
    expect(view.json()).toMatchObject({
      status: 'processing',
      naverRequests: 9,
      storeReports: 1,
      reportJobs: 2,
      progress: { completed: 3, total: 3 },
      pending: [{ reportType: 'AD', statDate: '2026-11-21', code: 'not-ready' }],
      clamped: [],
    });
    expect(view.json().steps.map((s: { type: string }) => s.type)).toEqual([
      'ImportRequested',
      'ChunkDownloaded',
      'LeaseRequested',
      'ReportsDownloaded',
    ]);
  });

  it('documents the fields of the view in its OpenAPI schema', async () => {
    const doc = (await inject({ method: 'GET', url: '/openapi.json' })).json();
    const schema = doc.paths['/imports/{id}'].get.responses['200'].content['application/json'].schema;
    expect(schema.required).toEqual(expect.arrayContaining(['storeReports', 'reportJobs', 'pending', 'clamped']));
    expect(schema.properties.storeReports.description).toContain('store');
    expect(schema.properties.pending.items.properties.code.enum).toEqual([
      'not-ready',
      'aggregating',
      'early-none',
      'restated',
    ]);
    expect(Object.keys(schema.properties.clamped.items.properties)).toEqual(['reportType', 'dateRange', 'reason']);
  });

  it('reads a view stored before the new fields existed with their initial values', async () => {
    const connection = await createConnection(inject, bus, '338049');
    const { importId } = (
      await inject({ method: 'POST', url: '/imports', payload: { connectionId: connection.json().id } })
    ).json();
    await pool.query(
      `UPDATE scheduler.imports SET view = view - 'storeReports' - 'reportJobs' - 'pending' - 'clamped' WHERE import_id = $1`,
      [importId],
    );
    const view = await inject({ method: 'GET', url: `/imports/${importId}` });
    expect(view.statusCode).toBe(200);
    expect(view.json()).toMatchObject({
      status: 'requested',
      storeReports: null,
      reportJobs: null,
      pending: [],
      clamped: [],
    });
  });
});
