// `npm run bench -- <scenario> [args]`: benchmarks print figures; they are not tests and assert nothing about speed.
// Each scenario prints readable figures and ends with one JSON line (reportFigures in infra/dev/src/bench.ts); this
// harness passes stdout through and prints that line last, so it is the last line whatever a scenario logs after it.
// Scenarios that need Kafka and Postgres get them the way `npm test` does (KAFKA_BROKERS / DATABASE_URL win), with
// fresh topics and a migrated database of their own; everything started or created here is removed afterwards.
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { createInterface } from 'node:readline';
import { type FiguresLine, parseFiguresLine } from '@reportline/dev/bench';
import { type Environment, startEnvironment } from '@reportline/dev/environment';
import { createScratch, scratchVariables } from '@reportline/dev/scratch';

interface Scenario {
  script: string;
  /** For the usage listing. */
  about: string;
  /** Put before the command line's own arguments: one script serves several scenarios. */
  args?: string[];
  /** Needs Kafka and Postgres: it then reads KAFKA_BROKERS, DATABASE_URL and TOPIC_PREFIX (scratchFromEnv). */
  infra: boolean;
}

// A new scenario is one entry here; its script ends with reportFigures(<key>, {...}).
const scenarios: Record<string, Scenario> = {
  naver: {
    script: 'infra/packages/naver-client/bench/client.bench.ts',
    about: 'NAVER client and simulator requests/s, download throughput (no infrastructure)',
    infra: false,
  },
  processing: {
    script: 'services/processor/bench/processing.bench.ts',
    about: 'processor AD_DETAIL rows/s and peak RSS at 100k/1M/5M lines, against DuckDB (1 thread) on the same input',
    infra: false,
  },
  lock: {
    script: 'services/lock-service/bench/lock.bench.ts',
    about: 'lock-service decisions/s (pure, Postgres) and grant latency over a real broker',
    infra: true,
  },
  lease: {
    script: 'services/naver-fetcher/bench/calendar.bench.ts',
    args: ['lease'],
    about: 'naver-fetcher: lease time over request time at 10 req/s, 60 days of AD + AD_CONVERSION (issue 9)',
    infra: true,
  },
  backfill: {
    script: 'services/naver-fetcher/bench/calendar.bench.ts',
    args: ['backfill'],
    about: 'naver-fetcher: lease, requests and report jobs of a 400-day backfill of a large customer (issue 9)',
    infra: true,
  },
  daily: {
    script: 'services/naver-fetcher/bench/calendar.bench.ts',
    args: ['daily'],
    about: "naver-fetcher: lease and requests of the next morning's update after a seeded backfill (issue 9)",
    infra: true,
  },
  coalesce: {
    script: 'services/naver-fetcher/bench/calendar.bench.ts',
    args: ['coalesce'],
    about: 'naver-fetcher: five connections of one customer id at once vs one daily update, overlaps (issue 9)',
    infra: true,
  },
  latency: {
    script: 'infra/chaos/bench/latency.bench.ts',
    about: 'request-to-sheet time of a 1-day import through all five services (fresh and stored dates), p50/p99',
    infra: true,
  },
  sheets: {
    script: 'services/sheets-writer/bench/sheets.bench.ts',
    about: '50 imports under one Google principal through 2 writer instances: quota use, 429s, requests per update',
    infra: true,
  },
};

const log = (msg: string) => process.stderr.write(`[bench] ${msg}\n`);
const [name, ...args] = process.argv.slice(2);
const scenario = name ? scenarios[name] : undefined;
if (!name || !scenario) {
  const width = Math.max(...Object.keys(scenarios).map((k) => k.length));
  const list = Object.entries(scenarios).map(([k, s]) => `  ${k.padEnd(width)}  ${s.about}`);
  console.error(
    `${name ? `unknown bench scenario "${name}"\n` : ''}usage: npm run bench -- <scenario> [args]\n\nscenarios:\n${list.join('\n')}`,
  );
  process.exit(2);
}

let environment: Environment | undefined;
let scratch: Awaited<ReturnType<typeof createScratch>> | undefined;
const cleanUp = async () => {
  await scratch?.drop().catch((err) => log(String(err)));
  await environment?.stop().catch((err) => log(`stopping the environment failed: ${err}`));
};

let childEnv: NodeJS.ProcessEnv = process.env;
if (scenario.infra) {
  const started = Date.now();
  try {
    environment = await startEnvironment({ log });
    scratch = await createScratch(environment, 'bench');
  } catch (err) {
    log(`no infrastructure for "${name}": ${err instanceof Error ? err.message : String(err)}`);
    await cleanUp();
    process.exit(1);
  }
  log(
    `kafka ${environment.kafkaBrokers.join(',')} (${environment.kafkaSource}), postgres (${environment.postgresSource}), topics ${scratch.topicPrefix}* ready in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  childEnv = { ...process.env, ...scratchVariables(scratch) };
}

const child = spawn(process.execPath, [scenario.script, ...(scenario.args ?? []), ...args], {
  stdio: ['ignore', 'pipe', 'inherit'],
  env: childEnv,
});
let figures: FiguresLine | undefined;
const lines = createInterface({ input: child.stdout });
lines.on('line', (line) => {
  const parsed = parseFiguresLine(line);
  if (parsed) figures = parsed;
  else console.log(line);
});
// Ctrl-C reaches the child directly (same process group); the cleanup below runs once it has exited.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
// 'close', not 'exit': it comes after the child's stdout has ended, so every line has been read
const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
  child.on('close', (c, s) => resolve([c, s])),
);
await cleanUp();
if (code !== 0) {
  log(`"${name}" ${signal ? `was stopped by ${signal}` : `failed with exit code ${code}`}`);
  process.exit(code ?? (signal === 'SIGINT' ? 130 : 1));
}
if (!figures || figures.scenario !== name) {
  log(`"${name}" printed no figures line for "${name}" (reportFigures from infra/dev/src/bench.ts)`);
  process.exit(1);
}
// Kept for scripts/benchmarks-md.ts, which builds docs/benchmarks.md from each scenario's last run.
mkdirSync('.cache/bench', { recursive: true });
const machine = { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, node: process.version };
writeFileSync(
  `.cache/bench/${name}.json`,
  `${JSON.stringify({ ...figures, ranAt: new Date().toISOString(), machine })}\n`,
);
console.log(JSON.stringify(figures));
