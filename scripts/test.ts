// `npm test`: unit, integration and end-to-end tests in one vitest run. Kafka and Postgres are found or started once
// here (KAFKA_BROKERS / DATABASE_URL win) and handed to vitest through the environment, so the int and e2e projects
// share them; everything started here is stopped on exit, failure or Ctrl-C.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { startEnvironment } from '@reportline/dev/environment';

const log = (msg: string) => process.stderr.write(`[test] ${msg}\n`);
const started = Date.now();
const env = await startEnvironment({ log });
log(
  `kafka ${env.kafkaBrokers.join(',')} (${env.kafkaSource}), postgres (${env.postgresSource}) ready in ${((Date.now() - started) / 1000).toFixed(1)} s`,
);

const resultsFile = '.cache/test-results.json';
const vitest = spawn(
  'node_modules/.bin/vitest',
  ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${resultsFile}`, ...process.argv.slice(2)],
  {
    stdio: 'inherit',
    env: { ...process.env, KAFKA_BROKERS: env.kafkaBrokers.join(','), DATABASE_URL: env.databaseUrl },
  },
);
let stopping = false;
const stop = async (code: number) => {
  if (stopping) return;
  stopping = true;
  await env.stop().catch((err) => log(`stopping the environment failed: ${err}`));
  process.exit(code);
};
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    vitest.kill(signal);
  });
}
vitest.on('exit', (code) => {
  try {
    const r = JSON.parse(readFileSync(resultsFile, 'utf8'));
    // A file that failed before its tests ran (a broken beforeAll, an import error) fails no test itself: count it as
    // a failure, so the closing line never says "0 failed" for a red run.
    const brokenFiles = (r.testResults as { status: string; assertionResults: { status: string }[] }[]).filter(
      (f) => f.status === 'failed' && !f.assertionResults.some((a) => a.status === 'failed'),
    ).length;
    // The plain closing line CI reads, whatever the reporter prints above it.
    console.log(
      `${r.numPassedTests} passed, ${r.numFailedTests + brokenFiles} failed, ${r.numPendingTests + r.numTodoTests} skipped`,
    );
  } catch {
    log('no test results were written');
  }
  void stop(code ?? 1);
});
