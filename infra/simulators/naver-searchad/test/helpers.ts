import type { LightMyRequestResponse } from 'fastify';
import { buildSimulator, type Simulator } from '../src/app.ts';
import type { SimulatorConfigInput } from '../src/config.ts';
import { naverSignature } from '../src/signature.ts';

export const ALICE = { customerId: '338047', apiKey: 'license-a', secret: 'secret-a', size: 'small', seed: 7 } as const;
/** Same license as ALICE (one license acting on two linked customers). */
export const ALICE_2 = {
  customerId: '338048',
  apiKey: 'license-a',
  secret: 'secret-a',
  size: 'tiny',
  seed: 3,
} as const;
export const BOB = { customerId: '900001', apiKey: 'license-b', secret: 'secret-b', size: 'medium', seed: 11 } as const;

type Knobs = NonNullable<SimulatorConfigInput['knobs']>;

/**
 * The four auth headers a NAVER client sends, signed with the simulator's own signature (pinned to known answers in
 * signature.unit.test.ts), never the production client's: these tests exercise the simulator, and the client is
 * checked against it separately in client.unit.test.ts.
 */
export function signedHeaders(
  customer: { customerId: string; apiKey: string; secret: string },
  timestampMs: number,
  method: string,
  path: string,
): Record<string, string> {
  const timestamp = String(Math.trunc(timestampMs));
  return {
    'X-Timestamp': timestamp,
    'X-API-KEY': customer.apiKey,
    'X-Customer': customer.customerId,
    'X-Signature': naverSignature(customer.secret, timestamp, method, path),
  };
}

/** 2025-10-10 12:00 KST: well past the data-ready hour. */
export const NOON_KST = Date.parse('2025-10-10T03:00:00Z');

export class ManualClock {
  ms: number;
  constructor(ms = NOON_KST) {
    this.ms = ms;
  }
  now = (): Date => new Date(this.ms);
  advance(ms: number): void {
    this.ms += ms;
  }
}

export interface TestSim extends Simulator {
  clock: ManualClock;
  /** app.inject with the four auth headers signed for `customer` over the path (query excluded). */
  call(
    customer: { customerId: string; apiKey: string; secret: string },
    method: 'GET' | 'POST' | 'DELETE',
    url: string,
    body?: unknown,
    extraHeaders?: Record<string, string>,
  ): Promise<LightMyRequestResponse>;
}

/** Jobs build instantly and the rate limit is off unless a test sets them; the clock only moves when told. */
export async function testSim(knobs: Knobs = {}, clock = new ManualClock()): Promise<TestSim> {
  const sim = await buildSimulator(
    {
      customers: [ALICE, ALICE_2, BOB],
      knobs: { reportBuildMs: 0, masterBuildMs: 0, rateLimit: { perSecond: 0 }, ...knobs },
    },
    { now: clock.now },
  );
  return {
    ...sim,
    clock,
    call: (customer, method, url, body, extraHeaders = {}) => {
      const path = url.split('?')[0]!;
      const headers = { ...signedHeaders(customer, clock.ms, method, path), ...extraHeaders };
      return sim.app.inject({ method, url, headers, ...(body === undefined ? {} : { payload: body as object }) });
    },
  };
}

export interface TestCustomer {
  customerId: string;
  apiKey: string;
  secret: string;
}

export async function createJob(sim: TestSim, reportTp: string, statDt: string, customer: TestCustomer = ALICE) {
  const res = await sim.call(customer, 'POST', '/stat-reports', { reportTp, statDt });
  if (res.statusCode !== 200) throw new Error(`create failed ${res.statusCode} ${res.body}`);
  return res.json() as { reportJobId: number; status: string; downloadUrl: string; statDt: string };
}

/** The downloadUrl relative to the simulator, for app.inject. */
export const relative = (downloadUrl: string) => downloadUrl.replace(/^https?:\/\/[^/]+/, '');
