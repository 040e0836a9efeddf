import type { SimCustomer, SimKnobs, SimulatorConfig } from './config.ts';
import { createPrng, hashSeed, type Prng } from './data/prng.ts';
import { addDays, kstDateOf, kstHourOf } from './kst.ts';
import { MasterPool } from './master-pool.ts';
import { SlidingWindowLimiter } from './rate-limiter.ts';
import { RequestRecorder } from './recorder.ts';
import { StatPool } from './stat-pool.ts';

export interface DownloadTarget {
  kind: 'stat' | 'master';
  customerId: string;
  jobId: number | string;
}

/** All mutable simulator state; one instance per simulator. Randomness comes from one seeded PRNG (knobs.seed). */
export class SimulatorState {
  knobs: SimKnobs;
  readonly customers: readonly SimCustomer[];
  readonly stat = new StatPool();
  readonly master = new MasterPool();
  readonly tokens = new Map<string, DownloadTarget>();
  readonly limiter = new SlidingWindowLimiter();
  readonly recorder: RequestRecorder;
  readonly #clock: () => Date;
  readonly #prng: Prng;
  readonly #usedIds = new Set<number>();

  constructor(config: SimulatorConfig, clock: () => Date) {
    this.knobs = config.knobs;
    this.customers = config.customers;
    this.#clock = clock;
    this.#prng = createPrng(hashSeed('simulator', config.knobs.seed));
    this.recorder = new RequestRecorder({ now: () => this.nowMs(), limit: config.knobs.recorderLimit });
  }

  /** The injected clock, unless knobs.fixedNow pins it. */
  nowMs(): number {
    return this.knobs.fixedNow !== null ? Date.parse(this.knobs.fixedNow) : this.#clock().getTime();
  }

  /** The KST day the simulator treats as today (knobs.today overrides the clock's day). */
  todayKst(): string {
    return this.knobs.today ?? kstDateOf(this.nowMs());
  }

  kstHour(): number {
    return kstHourOf(this.nowMs());
  }

  yesterdayKst(): string {
    return addDays(this.todayKst(), -1);
  }

  chance(p: number): boolean {
    return p > 0 && this.#prng.chance(p);
  }

  random(): number {
    return this.#prng.next();
  }

  /** int64-looking, non-monotonic, never reused (NAVER warns ids are not monotonic). */
  newStatJobId(): number {
    for (;;) {
      const id = this.#prng.int(1_000_000_000, 9_999_999_999);
      if (!this.#usedIds.has(id)) {
        this.#usedIds.add(id);
        return id;
      }
    }
  }

  newMasterId(): string {
    return Array.from({ length: 32 }, () => this.#prng.int(0, 15).toString(16)).join('');
  }

  /** Standard base64 (with `/`, `+`, `=`) so a client that re-encodes or decodes the downloadUrl breaks, as on NAVER. */
  newToken(target: DownloadTarget): string {
    const bytes = Uint8Array.from({ length: 24 }, () => this.#prng.int(0, 255));
    const token = Buffer.from(bytes).toString('base64');
    this.tokens.set(token, target);
    return encodeURIComponent(token);
  }
}
