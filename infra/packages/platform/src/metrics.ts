import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/**
 * Every Reportline metric, declared once: the registry of each service runtime is built from this list, the unit
 * test checks it against the naming conventions and the forbidden labels, and docs/metrics.md documents it row by
 * row (a test compares the two). Labels are bounded sets only: an import, customer, spreadsheet or event id as a
 * label would make one time series per import and exhaust Prometheus.
 */
export const METRICS = {
  // Every service (the runtime).
  outboxBacklog: {
    type: 'gauge',
    name: 'reportline_outbox_backlog_events',
    help: "Events in this service's outbox not yet published (and not parked), counted on scrape.",
    labels: [],
  },
  outboxParked: {
    type: 'gauge',
    name: 'reportline_outbox_parked_events',
    help: "Events in this service's outbox the broker refused and the relay set aside, counted on scrape.",
    labels: [],
  },
  consumerLag: {
    type: 'gauge',
    name: 'reportline_consumer_lag_messages',
    help: 'Messages on a topic not yet committed by a consumer group (high watermark − committed offset), on scrape.',
    labels: ['group', 'topic'],
  },
  // lock-service
  leaseWait: {
    type: 'histogram',
    name: 'reportline_lease_wait_seconds',
    help: 'How long an import waited in the lock queue before it was granted the lease.',
    labels: [],
    buckets: [0.1, 1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600],
  },
  leaseHold: {
    type: 'histogram',
    name: 'reportline_lease_hold_seconds',
    help: 'How long a lease was held, from the grant to its end (released, aborted, expired or max-hold).',
    labels: ['end'],
    buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600],
  },
  // naver-fetcher
  naverRequests: {
    type: 'counter',
    name: 'reportline_naver_requests_total',
    help: 'NAVER Search Ad API requests by endpoint and status class (error: no response, e.g. a timeout).',
    labels: ['endpoint', 'status_class'],
  },
  naverRateLimited: {
    type: 'counter',
    name: 'reportline_naver_rate_limited_total',
    help: 'NAVER requests answered 429 (also counted in reportline_naver_requests_total as 4xx).',
    labels: ['endpoint'],
  },
  reportDays: {
    type: 'counter',
    name: 'reportline_report_days_total',
    help: 'Report days an import needed, by where they came from: naver (downloaded) or store (already stored).',
    labels: ['source'],
  },
  // processor
  rowsProcessed: {
    type: 'counter',
    name: 'reportline_rows_processed_total',
    help: 'Sheet rows built from downloaded NAVER reports (a redelivered download is not counted again).',
    labels: [],
  },
  // sheets-writer
  sheetWrites: {
    type: 'counter',
    name: 'reportline_sheet_writes_total',
    help: "Imports' rows written to Google Sheets by outcome (written, failed); redeliveries are not counted.",
    labels: ['outcome'],
  },
  sheetQuotaWait: {
    type: 'histogram',
    name: 'reportline_sheets_quota_wait_seconds',
    help: 'Time a Sheets call waited before it ran: for a quota token (bucket) or after a retryable error (backoff).',
    labels: ['reason', 'kind'],
    buckets: [0.05, 0.25, 1, 2, 5, 10, 20, 40, 60],
  },
  // scheduler
  imports: {
    type: 'counter',
    name: 'reportline_imports_total',
    help: 'Imports that ended, by outcome (completed, failed) and, for failures, the stage and code of ImportFailed.',
    labels: ['outcome', 'stage', 'code'],
  },
} as const satisfies Record<string, MetricSpec>;

export interface MetricSpec {
  type: 'counter' | 'gauge' | 'histogram';
  name: string;
  help: string;
  labels: readonly string[];
  buckets?: readonly number[];
}

type Specs = typeof METRICS;
type Labels<K extends keyof Specs> = Specs[K]['labels'][number];
type MetricOf<K extends keyof Specs> = Specs[K]['type'] extends 'counter'
  ? Counter<Labels<K>>
  : Specs[K]['type'] extends 'gauge'
    ? Gauge<Labels<K>>
    : Histogram<Labels<K>>;

/** A runtime's metrics: its own registry (tests build as many as they like) and every metric of `METRICS`. */
export type ServiceMetrics = { registry: Registry } & { [K in keyof Specs]: MetricOf<K> };

/** The gauges read from their source on every scrape rather than updated as things happen. */
type ScrapedGauge = 'outboxBacklog' | 'outboxParked' | 'consumerLag';

export interface MetricsOptions {
  /** Node's default process metrics; on unless a test wants a small exposition. */
  defaultMetrics?: boolean;
  /**
   * Fills a gauge when Prometheus scrapes. It should not throw: a failing source should keep the
   * last value and log, or the whole scrape fails.
   */
  onScrape?: { [K in ScrapedGauge]?: (gauge: MetricOf<K>) => Promise<void> };
}

/**
 * One registry per service runtime, never prom-client's global one: two services (or two tests) in one process must
 * not share counts. Every series carries `service`; Node's default process metrics keep their standard names
 * (process_*, nodejs_*), which the usual dashboards expect.
 */
export function createServiceMetrics(service: string, opts: MetricsOptions = {}): ServiceMetrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  if (opts.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  const metrics: Record<string, unknown> = { registry };
  for (const [key, spec] of Object.entries(METRICS) as [string, MetricSpec][]) {
    const onScrape = opts.onScrape?.[key as ScrapedGauge] as ((gauge: Gauge) => Promise<void>) | undefined;
    const base = { name: spec.name, help: spec.help, labelNames: [...spec.labels], registers: [registry] };
    metrics[key] =
      spec.type === 'counter'
        ? new Counter(base)
        : spec.type === 'gauge'
          ? new Gauge({
              ...base,
              ...(onScrape
                ? {
                    collect(this: Gauge) {
                      return onScrape(this);
                    },
                  }
                : {}),
            })
          : new Histogram({ ...base, buckets: [...(spec.buckets ?? [])] });
  }
  return metrics as ServiceMetrics;
}

/**
 * Keeps a label's values a bounded set: a value not of the expected form, or one beyond the first `max` distinct
 * values seen, becomes `other`. For codes that are bounded by convention (kebab-case reasons) but not by a type.
 */
export function boundedLabel(max = 50, form = /^[a-z][a-z0-9-]{0,63}$/) {
  const seen = new Set<string>();
  return (value: string | undefined): string => {
    if (value === undefined || value === '') return '';
    if (!form.test(value)) return 'other';
    if (seen.has(value)) return value;
    if (seen.size >= max) return 'other';
    seen.add(value);
    return value;
  };
}

/** Seconds between two ISO instants, for histograms fed from event timestamps; never negative. */
export const secondsBetween = (from: string, to: string) => Math.max(0, (Date.parse(to) - Date.parse(from)) / 1000);

/** The part of a fastify app `/metrics` needs; kept structural so this module does not depend on http.ts. */
interface RouteHost {
  get(
    path: string,
    opts: { schema: { hide: boolean } },
    handler: (req: unknown, reply: { type(t: string): { send(body: string): unknown } }) => Promise<unknown>,
  ): unknown;
}

/** `GET /metrics` in the Prometheus text format. Unauthenticated like /health: it holds no id and no secret. */
export function exposeMetrics(app: RouteHost, metrics: ServiceMetrics): void {
  app.get('/metrics', { schema: { hide: true } }, async (_req, reply) =>
    reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()),
  );
}
