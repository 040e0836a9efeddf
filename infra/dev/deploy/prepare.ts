// The one-shot job that runs before the services (docker compose `prepare`, the Kubernetes Job `reportline-prepare`):
// creates the manifests' topics and dead-letter topics (contracts/src/topics.ts) and runs every migration, as infra/dev
// does for tests and the demo. Both steps are idempotent, so it runs on every start and every deploy. Kafka and
// Postgres may still be starting: it retries until PREPARE_TIMEOUT_MS, then exits 1 naming what did not answer.
//   KAFKA_BROKERS, DATABASE_URL, TOPIC_PREFIX as for the services; CREATE_DATABASE=true also creates DATABASE_URL's
//   database (through the same credentials on the server's `postgres` database) when it does not exist.
import { baseConfig, createLogger, loadConfig } from '@reportline/platform';
import { ensureDatabase, withDatabase } from '../src/databases.ts';
import { migrateAll } from '../src/migrations.ts';
import { createTopics } from '../src/topics.ts';

const log = createLogger('prepare', process.env.LOG_LEVEL ?? 'info');
const timeoutMs = Number(process.env.PREPARE_TIMEOUT_MS ?? 180_000);
const deadline = Date.now() + (Number.isFinite(timeoutMs) && timeoutMs > 0 ? timeoutMs : 180_000);

/** Runs `step` until it succeeds or the deadline passes; waits 2 s between attempts. */
async function untilDeadline<T>(name: string, step: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await step();
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`${name}: ${err instanceof Error ? err.message : String(err)}`);
      log.warn({ attempt, err: err instanceof Error ? err.message : String(err) }, `${name} failed; retrying`);
      await new Promise((r) => setTimeout(r, 2_000));
    }
  }
}

try {
  const config = loadConfig(baseConfig.pick({ KAFKA_BROKERS: true, DATABASE_URL: true, TOPIC_PREFIX: true }));
  if (process.env.CREATE_DATABASE === 'true') {
    const name = decodeURIComponent(new URL(config.DATABASE_URL).pathname.slice(1));
    await untilDeadline('creating the database', () =>
      ensureDatabase(withDatabase(config.DATABASE_URL, 'postgres'), name),
    );
  }
  const dirs = await untilDeadline('migrations', () => migrateAll(config.DATABASE_URL));
  log.info({ schemas: dirs.map((d) => d.schema) }, 'migrations applied');
  const topics = await untilDeadline('topics', () => createTopics(config.KAFKA_BROKERS, config.TOPIC_PREFIX));
  log.info({ topics: topics.map((t) => `${t.topic}:${t.numPartitions}`) }, 'topics present');
} catch (err) {
  log.fatal({ err: err instanceof Error ? err.message : String(err) }, 'prepare failed');
  process.exitCode = 1;
}
