import { until } from '@reportline/dev/wait';
import {
  type BuiltService,
  type InMemoryBus,
  METRICS,
  type Pool,
  postgresBlobStore,
  type Running,
} from '@reportline/platform';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adLine, downloadedFile, inMemoryProcessor } from './support.ts';

/**
 * What operators scrape and probe, through the processor's real wiring (in-memory bus, real Postgres): /metrics in the
 * Prometheus text format with the documented names, rows counted after one download, and both health endpoints.
 */
let bus: InMemoryBus;
let pool: Pool;
let built: BuiltService;
let processor: Running | undefined;
const customerId = '5550004';

const get = (url: string) => built.http.inject({ method: 'GET', url });

beforeAll(async () => {
  ({ bus, pool, built } = await inMemoryProcessor());
});

afterAll(async () => {
  await processor?.close();
  await pool?.end();
});

describe('metrics and health of a service', () => {
  it('is alive but not ready before its subscription joined, and ready once started', async () => {
    expect((await get('/health/live')).statusCode).toBe(200);
    const early = await get('/health/ready');
    expect(early.statusCode).toBe(503);
    expect(early.json().checks.subscriptions).toMatch(/not finished starting/);
    processor = await built.start();
    const ready = await get('/health/ready');
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toMatchObject({
      status: 'ok',
      checks: { postgres: 'ok', consumers: 'ok', subscriptions: 'ok' },
    });
    expect((await get('/health')).statusCode).toBe(200);
  });

  it('exposes /metrics in the Prometheus text format with the documented names, counting rows processed', async () => {
    const line = adLine(customerId);
    const file = await postgresBlobStore(pool).put(
      `raw/${customerId}/AD/2026-11-10`,
      Buffer.from(`${line}\n${adLine(customerId, 'nad-a001-01-000000000000002')}\n`),
      'text/tab-separated-values',
    );
    const importId = crypto.randomUUID();
    const downloaded = downloadedFile(file, { importId, customerId });
    await bus.publish([downloaded]);
    await bus.publish([downloaded]); // a redelivery adds no rows
    const processed = await until('RowsProcessed', () =>
      bus.published.find((e) => e.type === 'RowsProcessed' && e.importId === importId),
    );
    await bus.drain();
    const rows = processed.type === 'RowsProcessed' ? processed.data.rowCount : -1;
    expect(rows).toBe(2);

    const res = await get('/metrics');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    for (const spec of Object.values(METRICS)) expect(res.body).toContain(`# TYPE ${spec.name} ${spec.type}\n`);
    expect(res.body).toMatch(/^reportline_rows_processed_total\{service="processor"\} 2$/m);
    // The relay may not have published the RowsProcessed yet; either way the backlog is a number read from Postgres.
    expect(res.body).toMatch(/^reportline_outbox_backlog_events\{service="processor"\} \d+$/m);
    expect(res.body).toMatch(/^reportline_outbox_parked_events\{service="processor"\} 0$/m);
    expect(res.body).toMatch(/^process_cpu_user_seconds_total\{service="processor"\} /m);
    // Every sample line is `name{labels} value`: what Prometheus parses.
    for (const sample of res.body.split('\n').filter((l) => l && !l.startsWith('#')))
      expect(sample).toMatch(/^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[^}]*\})? (-?[0-9.e+-]+|NaN|[+-]Inf)$/);
  });
});
