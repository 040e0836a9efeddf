import { findOverlaps, type Overlap } from './overlaps.ts';

export interface RecordedRequest {
  seq: number;
  /** X-Customer as sent ('' when absent). */
  customerId: string;
  /** X-Reportline-Origin as sent, or null. */
  origin: string | null;
  /**
   * X-Sim-Foreign as sent, or null: a test harness's label on requests it sends as another tool sharing the customer
   * id (a person's second report tool, a script). Bookkeeping only, like the origin: NAVER's behaviour towards the
   * request is the same (auth, rate limit, the shared job pool), but its requests are not Reportline's, so they are
   * neither overlaps with Reportline's leases nor unattributed Reportline requests.
   */
  foreign: string | null;
  method: string;
  /** Path without query string (download tokens are not recorded). */
  path: string;
  /** HTTP status, null while in flight. */
  status: number | null;
  /** Injected wall clock, epoch ms. */
  arrivedAt: number;
  completedAt: number | null;
  /** Monotonic clock (process.hrtime), ms with sub-ms precision; overlaps are computed on these. */
  arrivedMono: number;
  completedMono: number | null;
}

export interface RecorderOptions {
  now: () => number;
  mono?: () => number;
  limit?: number;
}

const hrtimeMs = () => Number(process.hrtime.bigint()) / 1e6;

export const ENDPOINTS = [
  'stat-reports.create',
  'stat-reports.get',
  'stat-reports.list',
  'stat-reports.delete',
  'stat-reports.delete-all',
  'master-reports.create',
  'master-reports.get',
  'master-reports.list',
  'master-reports.delete',
  'master-reports.delete-all',
  'download',
  'other',
] as const;
export type Endpoint = (typeof ENDPOINTS)[number];

const ACTIONS: Record<string, { one: string; all: string }> = {
  POST: { one: 'other', all: 'create' },
  GET: { one: 'get', all: 'list' },
  DELETE: { one: 'delete', all: 'delete-all' },
};

export function endpointOf(method: string, path: string): Endpoint {
  if (method === 'GET' && path === '/report-download') return 'download';
  const match = /^\/(stat-reports|master-reports)(\/[^/]+)?\/?$/.exec(path);
  const action = ACTIONS[method];
  if (!match || !action) return 'other';
  const name = `${match[1]}.${match[2] ? action.one : action.all}`;
  return (ENDPOINTS as readonly string[]).includes(name) ? (name as Endpoint) : 'other';
}

export interface RequestStats {
  requests: { total: number; byEndpoint: Record<Endpoint, number> };
  /** Requests answered 429. */
  rateLimited: number;
  /** Stat jobs actually made (a create answered 500 after its effect counts, a deduplicated POST does not). */
  statJobsCreated: number;
  /** Master creates answered 200. */
  masterJobsCreated: number;
}

const emptyStats = (): RequestStats => ({
  requests: { total: 0, byEndpoint: Object.fromEntries(ENDPOINTS.map((e) => [e, 0])) as Record<Endpoint, number> },
  rateLimited: 0,
  statJobsCreated: 0,
  masterJobsCreated: 0,
});

/** Every NAVER request the simulator sees, per customer id, for the overlap oracle and test assertions. */
export class RequestRecorder {
  readonly #records: RecordedRequest[] = [];
  readonly #bySeq = new Map<number, RecordedRequest>();
  // Counted apart from the capped list so benchmarks beyond recorderLimit still get exact numbers.
  readonly #stats = new Map<string, RequestStats>();
  readonly #inFlight = new Map<number, { customerId: string; endpoint: Endpoint }>();
  readonly #now: () => number;
  readonly #mono: () => number;
  #limit: number;
  #seq = 0;

  constructor(options: RecorderOptions) {
    this.#now = options.now;
    this.#mono = options.mono ?? hrtimeMs;
    this.#limit = options.limit ?? 1_000_000;
  }

  set limit(limit: number) {
    this.#limit = limit;
  }

  arrive(
    customerId: string,
    origin: string | null,
    method: string,
    path: string,
    foreign: string | null = null,
  ): number {
    const seq = ++this.#seq;
    const record: RecordedRequest = {
      seq,
      customerId,
      origin,
      foreign,
      method,
      path,
      status: null,
      arrivedAt: this.#now(),
      completedAt: null,
      arrivedMono: this.#mono(),
      completedMono: null,
    };
    this.#records.push(record);
    const endpoint = endpointOf(method, path);
    const stats = this.#statsOf(customerId);
    stats.requests.total += 1;
    stats.requests.byEndpoint[endpoint] += 1;
    this.#inFlight.set(seq, { customerId, endpoint });
    this.#bySeq.set(seq, record);
    while (this.#records.length > this.#limit) this.#bySeq.delete(this.#records.shift()!.seq);
    return seq;
  }

  complete(seq: number, status: number): void {
    const flight = this.#inFlight.get(seq);
    if (flight) {
      this.#inFlight.delete(seq);
      const stats = this.#statsOf(flight.customerId);
      if (status === 429) stats.rateLimited += 1;
      if (status === 200 && flight.endpoint === 'master-reports.create') stats.masterJobsCreated += 1;
    }
    const record = this.#bySeq.get(seq);
    if (!record || record.completedMono !== null) return;
    record.status = status;
    record.completedAt = this.#now();
    record.completedMono = this.#mono();
  }

  requests(customerId?: string): RecordedRequest[] {
    return this.#records.filter((r) => customerId === undefined || r.customerId === customerId).map((r) => ({ ...r }));
  }

  /** Reportline's requests (not marked foreign) that carried no X-Reportline-Origin (a lease holder always sends one). */
  unattributed(customerId?: string): RecordedRequest[] {
    return this.requests(customerId).filter((r) => r.origin === null && r.foreign === null);
  }

  /** Overlaps between Reportline's origins; another tool's requests are no lease's and are left out. */
  overlaps(customerId?: string): Overlap[] {
    const ours = this.requests(customerId).filter((r) => r.foreign === null);
    const timed = ours.map((r) => ({
      customerId: r.customerId,
      origin: r.origin,
      start: r.arrivedMono,
      end: r.completedMono,
    }));
    return findOverlaps(timed, this.#mono());
  }

  /** Called by the stat route when a job really enters the pool (a response code cannot tell). */
  statJobCreated(customerId: string): void {
    this.#statsOf(customerId).statJobsCreated += 1;
  }

  /** Counters since the last clear(), for one customer id or (undefined) all of them. */
  stats(customerId?: string): RequestStats {
    if (customerId !== undefined) return structuredClone(this.#stats.get(customerId) ?? emptyStats());
    const total = emptyStats();
    for (const s of this.#stats.values()) {
      total.requests.total += s.requests.total;
      for (const e of ENDPOINTS) total.requests.byEndpoint[e] += s.requests.byEndpoint[e];
      total.rateLimited += s.rateLimited;
      total.statJobsCreated += s.statJobsCreated;
      total.masterJobsCreated += s.masterJobsCreated;
    }
    return total;
  }

  #statsOf(customerId: string): RequestStats {
    let stats = this.#stats.get(customerId);
    if (!stats) {
      stats = emptyStats();
      this.#stats.set(customerId, stats);
    }
    return stats;
  }

  /** Forgets recordings and counters; requests still in flight are not counted when they complete. */
  clear(): void {
    this.#records.length = 0;
    this.#bySeq.clear();
    this.#stats.clear();
    this.#inFlight.clear();
  }
}
