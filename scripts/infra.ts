// `npm run infra`: Kafka and Postgres found or started the way `npm test` does, with the manifests' topics, kept up
// until Ctrl-C or SIGTERM. It prints the variables that point `npm test`, `npm run bench` or `npm run demo` at it (so
// they skip starting their own) and writes them to .cache/infra/env. The broker and database it started are guarded
// by watchdogs, so even a SIGKILL leaves no Java or Postgres process behind.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTopics } from '@reportline/dev';
import { type Environment, startEnvironment } from '@reportline/dev/environment';
import { cacheDir } from '@reportline/dev/paths';

const usage = `usage: npm run infra [-- --help]

Finds or starts Kafka and Postgres like \`npm test\` (KAFKA_BROKERS / DATABASE_URL win; see infra/README.md), creates
the manifests' topics without a prefix, prints an \`export KAFKA_BROKERS=… DATABASE_URL=…\` line to paste and writes
it to .cache/infra/env. Stays up until Ctrl-C or SIGTERM, then stops what it started.`;

const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h')) {
  console.log(usage);
  process.exit(0);
}
if (args.length > 0) {
  console.error(`unknown argument "${args[0]}"\n${usage}`);
  process.exit(2);
}

const log = (msg: string) => process.stderr.write(`[infra] ${msg}\n`);
const envFile = join(cacheDir, 'infra', 'env');
const shellWord = (value: string) => (/^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`);

const started = Date.now();
let env: Environment | undefined;
try {
  env = await startEnvironment({ log });
  await createTopics(env.kafkaBrokers, '');
} catch (err) {
  log(`failed: ${err instanceof Error ? err.message : String(err)}`);
  await env?.stop().catch(() => {});
  process.exit(1);
}
const exportLine = `export KAFKA_BROKERS=${shellWord(env.kafkaBrokers.join(','))} DATABASE_URL=${shellWord(env.databaseUrl)}`;
mkdirSync(join(cacheDir, 'infra'), { recursive: true });
writeFileSync(envFile, `${exportLine}\n`);
log(
  `kafka ${env.kafkaBrokers.join(',')} (${env.kafkaSource}), postgres (${env.postgresSource}) ready in ${((Date.now() - started) / 1000).toFixed(1)} s; topics created`,
);
console.log(exportLine);
log('the same line is in .cache/infra/env (`. .cache/infra/env`); press Ctrl-C to stop');

// Nothing else holds the event loop open: the broker and the watchdogs are unref'd children.
const keepAlive = setInterval(() => {}, 1 << 30);
let stopping = false;
const stop = async (signal: NodeJS.Signals) => {
  if (stopping) return;
  stopping = true;
  clearInterval(keepAlive);
  log(`${signal}: stopping`);
  // a later `npm run infra` may have written its own line meanwhile; only ours is removed
  if (existsSync(envFile) && readFileSync(envFile, 'utf8') === `${exportLine}\n`) rmSync(envFile);
  try {
    await env.stop();
  } catch (err) {
    log(String(err));
    process.exit(1);
  }
  // a stop that was asked for and went well is a success
  process.exit(0);
};
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => void stop(signal));
