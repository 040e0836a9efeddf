import { findOverlaps, type Overlap } from './overlaps.ts';

export interface RecordedRequest {
  seq: number;
  /** X-Customer as sent ('' when absent). */
  customerId: string;
  /** X-Reportline-Origin as sent, or null. */
  origin: string | null;
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

/** Every NAVER request the simulator sees, per customer id, for the overlap oracle and test assertions. */
export class RequestRecorder {
  readonly #records: RecordedRequest[] = [];
  readonly #bySeq = new Map<number, RecordedRequest>();
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

  arrive(customerId: string, origin: string | null, method: string, path: string): number {
    const seq = ++this.#seq;
    const record: RecordedRequest = {
      seq,
      customerId,
      origin,
      method,
      path,
      status: null,
      arrivedAt: this.#now(),
      completedAt: null,
      arrivedMono: this.#mono(),
      completedMono: null,
    };
    this.#records.push(record);
    this.#bySeq.set(seq, record);
    while (this.#records.length > this.#limit) this.#bySeq.delete(this.#records.shift()!.seq);
    return seq;
  }

  complete(seq: number, status: number): void {
    const record = this.#bySeq.get(seq);
    if (!record || record.completedMono !== null) return;
    record.status = status;
    record.completedAt = this.#now();
    record.completedMono = this.#mono();
  }

  requests(customerId?: string): RecordedRequest[] {
    return this.#records.filter((r) => customerId === undefined || r.customerId === customerId).map((r) => ({ ...r }));
  }

  /** Requests that carried no X-Reportline-Origin (a lease holder should always send one). */
  unattributed(customerId?: string): RecordedRequest[] {
    return this.requests(customerId).filter((r) => r.origin === null);
  }

  overlaps(customerId?: string): Overlap[] {
    const timed = this.requests(customerId).map((r) => ({
      customerId: r.customerId,
      origin: r.origin,
      start: r.arrivedMono,
      end: r.completedMono,
    }));
    return findOverlaps(timed, this.#mono());
  }

  clear(): void {
    this.#records.length = 0;
    this.#bySeq.clear();
  }
}
