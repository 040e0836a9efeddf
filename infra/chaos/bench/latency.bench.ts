// `npm run bench -- latency` (issue 14): request-to-sheet time of a 1-day import of AD + AD_CONVERSION, through all
// five services as separate processes (one instance each, their default settings) over the real broker and Postgres,
// with both simulators answering at once (NAVER: no added latency, reports built in 0 ms; the Sheets fake: no latency).
// NAVER's rate limit stays at its default 10 requests/s: the figures are for the system, not for a stand-in NAVER.
// Time = POST /imports sent → the SheetWritten event's time (the writer's commit; same machine clock). Two cases:
// - fresh:  each import a different date the data calendar has not seen (so it takes a lease and asks NAVER);
// - stored: the same dates again, served from the fetcher's store without a lease.
// Imports run one after the other: the figure is a single user's wait, not throughput under load. Each time is split
// at RowsProcessed: pipeline (request → rows stored: scheduler, lease, NAVER, processor) and write (→ SheetWritten,
// where the writer paces its calls to the principal's 60 writes a minute). LATENCY_SHEETS_SCALE=10 compresses that
// quota tenfold (cluster.ts sheetsTimeScale) to show what the pace costs; LATENCY_IMPORTS changes the count.
import { cpus } from 'node:os';
import { join } from 'node:path';
import { reportFigures, round } from '@reportline/dev/bench';
import { scratchFromEnv } from '@reportline/dev/scratch';
import { startCluster } from '../src/cluster.ts';
import { apiRetrying, follow, kstDay, kstHhmm, makeCustomers, setUp } from '../src/workload.ts';

const IMPORTS = Number(process.env.LATENCY_IMPORTS ?? 50);
const SHEETS_SCALE = Number(process.env.LATENCY_SHEETS_SCALE ?? 1);
const log = (msg: string) => process.stderr.write(`[bench latency] ${msg}\n`);
const [customer] = makeCustomers(1, 41).map((c) => ({ ...c, size: 'small' as const }));

const cluster = await startCluster({
  infra: scratchFromEnv(),
  instances: 1,
  logDir: join('.cache', 'bench', 'latency-logs'),
  env: { LOG_LEVEL: 'warn' },
  sheetsTimeScale: SHEETS_SCALE,
  naver: {
    customers: [customer!],
    knobs: { latencyMs: 0, reportBuildMs: 0, masterBuildMs: 0, dataReadyHourKst: 0 },
  },
});

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;
};

let figures: Record<string, number>;
try {
  const [connection] = await setUp(cluster, [customer!], 1, {
    historyDays: 365,
    // Ten hours ahead on the real clock: no daily run during the bench.
    scheduleTime: kstHhmm(Date.now() + 10 * 3_600_000),
    now: Date.now,
  });
  const c = connection!;
  // The first-link import (also the credentials check) warms the consumer groups and the master reports up.
  const first = await apiRetrying(cluster, c.token, 'GET', `/connections/${c.id}/imports?limit=1`);
  const firstId = (first.body as unknown as { importId: string }[])[0]!.importId;
  await follow(cluster, c.token, firstId, Date.now() + 120_000);
  log('warm-up import done');

  const one = async (date: string) => {
    const sent = Date.now();
    const r = await apiRetrying(cluster, c.token, 'POST', '/imports', {
      connectionId: c.id,
      dateRange: { from: date, to: date },
      force: true,
    });
    if (r.status !== 202) throw new Error(`import of ${date} answered ${r.status}: ${JSON.stringify(r.body)}`);
    const view = await follow(cluster, c.token, r.body.importId as string, Date.now() + 60_000);
    const written = view?.steps.find((s) => s.type === 'SheetWritten');
    if (view?.status !== 'completed' || !written) {
      throw new Error(`import of ${date} ended ${view?.status}: ${JSON.stringify(view?.failure)}`);
    }
    const processed = Date.parse(view.steps.find((s) => s.type === 'RowsProcessed')!.time);
    return {
      ms: Date.parse(written.time) - sent,
      pipelineMs: processed - sent,
      writeMs: Date.parse(written.time) - processed,
      leased: view.steps.some((s) => s.type === 'LockGranted'),
    };
  };
  // Older than NAVER's 2-day restatement window, so a stored date is final and needs no lease.
  const dates = Array.from({ length: IMPORTS }, (_, i) => kstDay(-5 - i, Date.now()));
  const fresh: number[] = [];
  const pipeline: number[] = [];
  const write: number[] = [];
  let freshLeased = 0;
  const requestsBefore = cluster.sheets.state.countRequests();
  for (const d of dates) {
    const m = await one(d);
    fresh.push(m.ms);
    pipeline.push(m.pipelineMs);
    write.push(m.writeMs);
    if (m.leased) freshLeased++;
  }
  const sheetsRequests = (cluster.sheets.state.countRequests() - requestsBefore) / dates.length;
  const stored: number[] = [];
  let storedLeased = 0;
  for (const d of dates) {
    const m = await one(d);
    stored.push(m.ms);
    if (m.leased) storedLeased++;
  }
  const cpu = cpus();
  console.log(`latency bench: ${cpu.length} × ${cpu[0]?.model ?? 'unknown cpu'}, node ${process.version}`);
  console.log(
    `conditions: 5 services × 1 process (defaults), NAVER simulator 0 ms latency / 0 ms builds / 10 req/s, Sheets fake 0 ms${SHEETS_SCALE === 1 ? " at Google's quota" : `, quota ${SHEETS_SCALE}× compressed`}; customer size small; 1-day AD + AD_CONVERSION imports, one at a time`,
  );
  const line = (name: string, xs: number[], leased: number) =>
    console.log(
      `  ${name.padEnd(7)} ${xs.length} imports: p50 ${quantile(xs, 0.5)} ms, p90 ${quantile(xs, 0.9)} ms, p99 ${quantile(xs, 0.99)} ms, max ${Math.max(...xs)} ms, mean ${round(xs.reduce((a, b) => a + b, 0) / xs.length)} ms; ${leased} took a lease`,
    );
  line('fresh', fresh, freshLeased);
  line('stored', stored, storedLeased);
  console.log(
    `  fresh, split at RowsProcessed: pipeline p50 ${quantile(pipeline, 0.5)} ms, write p50 ${quantile(write, 0.5)} ms; ${sheetsRequests} Sheets requests per import`,
  );
  console.log('  goal: p50 < 1500 ms (fresh: the date asked of NAVER under a lease)');
  figures = {
    imports: fresh.length,
    p50Ms: quantile(fresh, 0.5),
    p99Ms: quantile(fresh, 0.99),
    p90Ms: quantile(fresh, 0.9),
    storedP50Ms: quantile(stored, 0.5),
    storedP99Ms: quantile(stored, 0.99),
    storedImports: stored.length,
    pipelineP50Ms: quantile(pipeline, 0.5),
    writeP50Ms: quantile(write, 0.5),
    sheetsRequestsPerImport: round(sheetsRequests, 1),
    sheetsTimeScale: SHEETS_SCALE,
  };
} finally {
  await cluster.close();
}
reportFigures('latency', figures);
