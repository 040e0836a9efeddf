// The users' side of a chaos run: tenants, connections (several tenants per NAVER customer id), and import requests
// sent through the scheduler's public API as a person's client would, retried with an Idempotency-Key so a request
// that met a killed scheduler is neither lost nor doubled.
import { randomBytes } from 'node:crypto';
import type { Cluster } from './cluster.ts';
import type { SimCustomer } from './oracle.ts';

export interface Connection {
  id: string;
  customer: SimCustomer;
  token: string;
  spreadsheetId: string;
  sheetName: string;
  sheetId: number;
  historyDays: number;
}

export interface ImportView {
  importId: string;
  status: string;
  requestedAt: string | null;
  sheet: { writtenDates: string[]; skippedDates: string[]; pendingDates: string[]; trimmedDates: string[] } | null;
  pending: { statDate: string }[];
  failure: { stage: string; code: string; message: string; retryable: boolean } | null;
  steps: { type: string; time: string }[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function api(
  cluster: Cluster,
  token: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  try {
    const res = await fetch(`${cluster.schedulerUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
    return { status: res.status, body: (await res.json().catch(() => ({}))) as Record<string, unknown> };
  } catch {
    return { status: 0, body: {} };
  }
}

/** Retries what a scheduler instance being killed or paused makes fail (no answer, 5xx) until `timeoutMs`. */
export async function apiRetrying(
  cluster: Cluster,
  token: string,
  method: string,
  path: string,
  body?: unknown,
  headers?: Record<string, string>,
  timeoutMs = 120_000,
) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await api(cluster, token, method, path, body, headers);
    if ((r.status !== 0 && r.status < 500) || Date.now() > deadline) return r;
    await sleep(500);
  }
}

/** The KST calendar day `offset` days from the day of `now` (the run's simulated clock). */
export function kstDay(offset: number, now: number): string {
  return new Date(now + 9 * 3_600_000 + offset * 86_400_000).toISOString().slice(0, 10);
}

/** The KST wall-clock time HH:MM of an instant. */
export const kstHhmm = (ms: number): string => new Date(ms + 9 * 3_600_000).toISOString().slice(11, 16);

export function makeCustomers(count: number, seed: number): SimCustomer[] {
  return Array.from({ length: count }, (_, i) => ({
    customerId: String(8_100_000 + ((seed * 97 + i) % 800_000)),
    apiKey: `0100000000${randomBytes(6).toString('hex')}`,
    secret: randomBytes(16).toString('base64'),
    size: 'tiny' as const,
    seed: seed + i,
  }));
}

/**
 * `tenants` tenants, each with one connection to every customer id: so each id has that many connections of different
 * tenants sharing its lock and data calendar. Every connection has a daily run at `scheduleTime` KST: tenant 0's set
 * it explicitly, the others take the scheduler's default (the same time), so both paths are exercised. `now` is the
 * run's simulated clock: the first-link day is yesterday or earlier on the simulated calendar.
 */
export async function setUp(
  cluster: Cluster,
  customers: SimCustomer[],
  tenants: number,
  o: { historyDays: number; scheduleTime: string; now: () => number },
): Promise<Connection[]> {
  const tokens: string[] = [];
  const run = randomBytes(3).toString('hex');
  for (let t = 0; t < tenants; t++) {
    const r = await apiRetrying(cluster, cluster.operatorToken, 'POST', '/tenants', { name: `chaos-${run}-${t}` });
    if (r.status !== 201) throw new Error(`tenant not created: ${r.status} ${JSON.stringify(r.body)}`);
    tokens.push((r.body.adminToken as { token: string }).token);
  }
  const connections: Connection[] = [];
  for (const [c, customer] of customers.entries()) {
    for (const [t, token] of tokens.entries()) {
      const spreadsheetId = `chaos-${run}-${c}-${t}`;
      const sheetName = `로우데이터 ${t}`;
      const sheetId = 1000 + c * 10 + t;
      const { state } = cluster.sheets;
      state.seedSpreadsheet({ spreadsheetId, title: 'chaos', sheets: [{ title: sheetName, sheetId }] });
      const day = kstDay(-1 - ((c + t) % o.historyDays), o.now());
      const r = await apiRetrying(cluster, token, 'POST', '/connections', {
        customerId: customer.customerId,
        apiKey: customer.apiKey,
        secret: customer.secret,
        reportTypes: ['AD', 'AD_CONVERSION'],
        historyDays: o.historyDays,
        spreadsheetId,
        sheetName,
        ...(t === 0 ? { scheduleTime: o.scheduleTime } : {}),
        firstImportRange: { from: day, to: day },
      });
      if (r.status !== 201) throw new Error(`connection not created: ${r.status} ${JSON.stringify(r.body)}`);
      connections.push({
        id: r.body.id as string,
        customer,
        token,
        spreadsheetId,
        sheetName,
        sheetId,
        historyDays: o.historyDays,
      });
    }
  }
  return connections;
}

export const ended = (v: ImportView | undefined) => v?.status === 'completed' || v?.status === 'failed';

/** When the import ended, by its own ImportCompleted / ImportFailed step. */
export const endedAt = (v: ImportView) => {
  const step = v.steps.find((s) => s.type === 'ImportCompleted' || s.type === 'ImportFailed');
  return step ? Date.parse(step.time) : undefined;
};

/** Polls an import until it ended or `deadline` passed; the last view seen (undefined: the scheduler never knew it). */
export async function follow(cluster: Cluster, token: string, importId: string, deadline: number) {
  let last: ImportView | undefined;
  for (;;) {
    const r = await api(cluster, token, 'GET', `/imports/${importId}`);
    if (r.status === 200) last = r.body as unknown as ImportView;
    // Steps arrive from several topics in no fixed order: a completed import also waits for its write's own step.
    const written = last?.status !== 'completed' || last.steps.some((s) => s.type === 'SheetWritten');
    if ((ended(last) && written) || Date.now() > deadline) return last;
    await sleep(400);
  }
}
