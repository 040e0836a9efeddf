import { describe, expect, it } from 'vitest';
import {
  boundedLabel,
  buildHttpApp,
  createLogger,
  createServiceMetrics,
  exposeMetrics,
  METRICS,
} from '../src/index.ts';

/** Prometheus conventions as Reportline applies them: prefix, snake case, a unit or `_total` suffix by type. */
const NAME = /^reportline_[a-z][a-z0-9_]*[a-z0-9]$/;
const UNIT = /_(seconds|bytes|events|messages|rows|ratio)$/;
/** Ids would make a series per import, customer, sheet or event: never a label. */
const FORBIDDEN = /(^|_)(import|customer|spreadsheet|event|correlation|connection|job)(_?id)?$|id$/i;

const specs = Object.values(METRICS);

describe('the metric catalogue', () => {
  it.each(specs.map((s) => [s.name, s] as const))('%s follows the naming conventions', (name, spec) => {
    expect(name).toMatch(NAME);
    if (spec.type === 'counter') expect(name).toMatch(/_total$/);
    else expect(name).not.toMatch(/_total$/);
    if (spec.type === 'histogram') expect(name).toMatch(/_seconds$/);
    if (spec.type === 'gauge') expect(name).toMatch(UNIT);
    expect(spec.help.length).toBeGreaterThan(10);
  });

  it.each(specs.map((s) => [s.name, s.labels] as const))('%s has no high-cardinality label', (_name, labels) => {
    for (const label of labels) {
      expect(label).not.toMatch(FORBIDDEN);
      expect(label).not.toBe('service'); // every series already carries it as a default label
    }
  });

  it('names are unique', () => {
    expect(new Set(specs.map((s) => s.name)).size).toBe(specs.length);
  });
});

describe('createServiceMetrics', () => {
  it('gives each runtime its own registry: counts never leak between two services in one process', async () => {
    const a = createServiceMetrics('processor', { defaultMetrics: false });
    const b = createServiceMetrics('processor', { defaultMetrics: false });
    a.rowsProcessed.inc(3);
    expect((await a.rowsProcessed.get()).values[0]?.value).toBe(3);
    expect((await b.rowsProcessed.get()).values[0]?.value).toBe(0);
  });

  it('registers every catalogued metric, labelled with the service, plus the default process metrics', async () => {
    const m = createServiceMetrics('scheduler');
    const text = await m.registry.metrics();
    for (const s of specs) expect(text).toContain(`# TYPE ${s.name} ${s.type}`);
    expect(text).toMatch(/^process_cpu_user_seconds_total\{service="scheduler"\} /m);
    expect(text).toMatch(/^nodejs_eventloop_lag_seconds\{service="scheduler"\} /m);
  });

  it('fills scrape-time gauges from their source when scraped', async () => {
    let backlog = 2;
    const m = createServiceMetrics('processor', {
      defaultMetrics: false,
      onScrape: { outboxBacklog: async (g) => g.set(backlog++) },
    });
    expect(await m.registry.metrics()).toContain('reportline_outbox_backlog_events{service="processor"} 2');
    expect(await m.registry.metrics()).toContain('reportline_outbox_backlog_events{service="processor"} 3');
  });

  it('is served at /metrics in the Prometheus text format', async () => {
    const app = await buildHttpApp({ service: 'test', logger: createLogger('test', 'silent') });
    const m = createServiceMetrics('test', { defaultMetrics: false });
    exposeMetrics(app, m);
    m.imports.inc({ outcome: 'failed', stage: 'download', code: 'naver-rate-limited' });
    const res = await app.inject({ method: 'GET', url: '/metrics' });
    await app.close();
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(res.body).toContain(
      'reportline_imports_total{outcome="failed",stage="download",code="naver-rate-limited",service="test"} 1',
    );
  });
});

describe('boundedLabel', () => {
  it('keeps codes of the expected form, up to a maximum number of distinct values, and folds the rest into other', () => {
    const code = boundedLabel(2);
    expect(code('lease-expired')).toBe('lease-expired');
    expect(code('Some free text: 42')).toBe('other');
    expect(code('report-format')).toBe('report-format');
    expect(code('third-code')).toBe('other');
    expect(code('lease-expired')).toBe('lease-expired');
    expect(code(undefined)).toBe('');
  });
});

describe('health endpoints', () => {
  it('answers /health/live without checking dependencies, /health/ready and /health with them', async () => {
    const app = await buildHttpApp({
      service: 'test',
      logger: createLogger('test', 'silent'),
      health: {
        postgres: async () => {
          throw new Error('connection refused');
        },
      },
    });
    const get = (url: string) => app.inject({ method: 'GET', url });
    const [live, ready, health] = await Promise.all([get('/health/live'), get('/health/ready'), get('/health')]);
    await app.close();
    expect(live.statusCode).toBe(200);
    expect(ready.statusCode).toBe(503);
    expect(ready.json()).toMatchObject({ status: 'degraded', checks: { postgres: 'connection refused' } });
    expect(health.statusCode).toBe(503);
  });
});
