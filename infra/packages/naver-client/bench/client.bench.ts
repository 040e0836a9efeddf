/**
 * Plain benchmark script (not a test): npm run bench -- naver [seconds]
 * 1. Requests/s the client sustains against the simulator over loopback (zero latency, rate limit off, unpaced budget),
 *    sequentially and with 8 calls in flight.
 * 2. The simulator's own cost per request: app.inject (no sockets) vs raw loopback fetch (no client).
 * 3. Download throughput of a large customer's AD_DETAIL day.
 */
import { addDays, kstDate } from '@reportline/platform';
// by path: this package does not depend on @reportline/dev, and the helper has no imports of its own
import { reportFigures, round } from '../../../dev/src/bench.ts';
import { buildSimulator, startSimulator } from '../../../simulators/naver-searchad/src/app.ts';
import { createNaverClient, RateBudget } from '../src/index.ts';
import { authHeaders } from '../src/signing.ts';

const seconds = Number(process.argv[2] ?? 3);
if (!Number.isFinite(seconds) || seconds <= 0) {
  console.error(`usage: npm run bench -- naver [seconds per figure, default 3]; got "${process.argv[2]}"`);
  process.exit(2);
}
/** Three days ago in KST: inside every look-back, past the data-ready hour. */
const day = addDays(kstDate(Date.now()), -3);
const customer = { customerId: '100001', apiKey: 'bench-key', secret: 'bench-secret', size: 'large', seed: 1 } as const;
const config = { customers: [customer], knobs: { reportBuildMs: 0, latencyMs: 0, rateLimit: { perSecond: 0 } } };

async function measure(label: string, concurrency: number, call: () => Promise<unknown>): Promise<number> {
  const deadline = performance.now() + seconds * 1000;
  let done = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        await call();
        done++;
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  const rate = done / elapsed;
  console.log(
    `${label.padEnd(52)} ${rate.toFixed(0).padStart(7)} req/s  ${(1000 / rate).toFixed(3).padStart(8)} ms/req`,
  );
  return rate;
}

const sim = await startSimulator(config);
const client = createNaverClient({ ...customer, baseUrl: sim.url, limiter: new RateBudget({ maxPerSecond: 0 }) });
console.log(`simulator at ${sim.url}, ${seconds}s per figure`);
await client.listStatReports(); // warm-up

const listSequential = await measure('client GET /stat-reports (sequential)', 1, () => client.listStatReports());
const listInFlight = await measure('client GET /stat-reports (8 in flight)', 8, () => client.listStatReports());
const job = await client.createStatReport('AD', day);
const getInFlight = await measure('client GET /stat-reports/:id (8 in flight)', 8, () =>
  client.getStatReport(job.reportJobId),
);

const fetchRaw = async () => {
  const res = await fetch(`${sim.url}/stat-reports/${job.reportJobId}`, {
    headers: authHeaders(customer, Date.now(), 'GET', `/stat-reports/${job.reportJobId}`),
  });
  await res.text();
};
const loopback = await measure('raw fetch loopback GET /stat-reports/:id (sequential)', 1, fetchRaw);

const inMemory = await buildSimulator(config);
const created = await inMemory.app.inject({
  method: 'POST',
  url: '/stat-reports',
  headers: authHeaders(customer, Date.now(), 'POST', '/stat-reports'),
  payload: { reportTp: 'AD', statDt: day.replaceAll('-', '') },
});
const memoryJobId = (created.json() as { reportJobId: number }).reportJobId;
const injectOnce = async () => {
  const res = await inMemory.app.inject({
    method: 'GET',
    url: `/stat-reports/${memoryJobId}`,
    headers: authHeaders(customer, Date.now(), 'GET', `/stat-reports/${memoryJobId}`),
  });
  if (res.statusCode !== 200) throw new Error(`inject answered ${res.statusCode}`);
};
const inject = await measure('app.inject GET /stat-reports/:id (simulator only)', 1, injectOnce);
console.log(
  `simulator overhead ≈ ${(1000 / inject).toFixed(3)} ms/req in-process; loopback adds ≈ ${(1000 / loopback - 1000 / inject).toFixed(3)} ms/req`,
);

const detail = await client.createStatReport('AD_DETAIL', day);
const started = performance.now();
let bytes = 0;
for await (const chunk of await client.download(detail.downloadUrl)) bytes += chunk.byteLength;
const ms = performance.now() - started;
console.log(
  `download large AD_DETAIL day: ${bytes} bytes in ${ms.toFixed(1)} ms (${(((bytes / ms) * 1000) / 1e6).toFixed(1)} MB/s)`,
);

await inMemory.app.close();
await sim.close();
reportFigures('naver', {
  listSequentialPerSecond: round(listSequential),
  listInFlight8PerSecond: round(listInFlight),
  getReportInFlight8PerSecond: round(getInFlight),
  rawLoopbackPerSecond: round(loopback),
  simulatorInjectPerSecond: round(inject),
  downloadMBPerSecond: round(((bytes / ms) * 1000) / 1e6, 1),
});
