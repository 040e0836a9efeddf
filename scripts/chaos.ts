// `npm run chaos -- --imports N --faults F [--seed S] [--customers C] [--days D]`: the whole system as child processes
// on a real Kafka broker and Postgres server of the run's own (so faults can restart them; where those cannot start
// here, the ones `npm test` finds, in a scratch database and topics, with the restart faults skipped), N imports and
// F seeded faults over D simulated KST days (3 unless given; every connection's daily run each morning), then the
// oracle's verdict (infra/chaos/src/run.ts). Prints one JSON line last; exits 0 only when nothing was lost, stuck,
// overlapping, wrong or duplicated, every connection had one daily run a day, and every failure has a reason.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startEnvironment } from '@reportline/dev/environment';
import { createScratch } from '@reportline/dev/scratch';
import { FAULT_KINDS, type FaultKind } from '../infra/chaos/src/faults.ts';
import { startRestartableInfra } from '../infra/chaos/src/infra.ts';
import { passed, runChaos } from '../infra/chaos/src/run.ts';

const { values } = parseArgs({
  options: {
    imports: { type: 'string', default: '12' },
    faults: { type: 'string', default: '4' },
    seed: { type: 'string', default: String(Date.now() % 100_000) },
    customers: { type: 'string', default: '2' },
    tenants: { type: 'string', default: '3' },
    days: { type: 'string', default: '3' },
    concurrency: { type: 'string' },
    'lifetime-ms': { type: 'string' },
    'sheets-scale': { type: 'string' },
    // e.g. --kinds foreignDeleteAll,foreignEviction: draw only these kinds (to reproduce what one kind does).
    kinds: { type: 'string' },
  },
});
const num = (name: keyof typeof values) => {
  const v = Number(values[name]);
  if (!Number.isInteger(v) || v < 0) throw new Error(`--${name} must be a whole number, got ${values[name]}`);
  return v;
};
const kinds = values.kinds?.split(',').map((k) => k.trim());
const unknown = kinds?.filter((k) => !(FAULT_KINDS as readonly string[]).includes(k)) ?? [];
if (unknown.length > 0) throw new Error(`--kinds: unknown ${unknown.join(', ')}; known: ${FAULT_KINDS.join(', ')}`);
const log = (msg: string) => process.stderr.write(`[chaos] ${new Date().toISOString().slice(11, 19)} ${msg}\n`);

const infra = await startRestartableInfra(log).catch(async (err) => {
  log(`no broker and Postgres of the run's own (${err}): using shared ones; broker and Postgres restarts are skipped`);
  const environment = await startEnvironment({ log });
  const scratch = await createScratch(environment, 'chaos');
  return {
    ...scratch,
    stop: async () => {
      await scratch.drop().catch((e) => log(String(e)));
      await environment.stop().catch((e) => log(`stopping the environment failed: ${e}`));
    },
  };
});
let code = 1;
try {
  const logDir = join('.cache', 'chaos', `seed-${values.seed}`);
  log(`service logs in ${logDir}`);
  const result = await runChaos({
    infra,
    imports: num('imports'),
    faults: num('faults'),
    seed: num('seed'),
    customers: Math.max(1, num('customers')),
    tenants: Math.max(1, num('tenants')),
    days: Math.max(1, num('days')),
    ...(values.concurrency ? { concurrency: num('concurrency') } : {}),
    ...(values['lifetime-ms'] ? { lifetimeMs: num('lifetime-ms') } : {}),
    ...(values['sheets-scale'] ? { sheetsTimeScale: Math.max(1, num('sheets-scale')) } : {}),
    ...(kinds ? { faultKinds: kinds as FaultKind[] } : {}),
    logDir,
    log,
    // e.g. CHAOS_SERVICE_ENV='{"naver-fetcher":{"NAVER_POLL_MS":"1000"}}' to rerun a seed under a suspect setting.
    ...(process.env.CHAOS_SERVICE_ENV ? { serviceEnv: JSON.parse(process.env.CHAOS_SERVICE_ENV) } : {}),
  });
  const { details, warnings, ...line } = result;
  for (const d of [...details, ...warnings]) log(d);
  code = passed(result) ? 0 : 1;
  // Kept for scripts/benchmarks-md.ts (docs/benchmarks.md), with the machine it ran on.
  const machine = { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, node: process.version };
  const kept = { ...line, ranAt: new Date().toISOString(), machine };
  // The verdict first: a run of minutes must not lose it because its folder went away meanwhile (a cache cleaned).
  console.log(JSON.stringify(line));
  mkdirSync(join('.cache', 'chaos'), { recursive: true });
  writeFileSync(
    join('.cache', 'chaos', `run-${line.requested}x${num('faults')}-seed${line.seed}-days${line.days}.json`),
    `${JSON.stringify(kept)}\n`,
  );
} catch (err) {
  log(`failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
} finally {
  await infra.stop();
}
process.exit(code);
