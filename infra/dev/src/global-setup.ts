import type { TestProject } from 'vitest/node';
import { databasesWithPrefix, dropDatabases, ensureDatabase, withDatabase } from './databases.ts';
import { startEnvironment } from './environment.ts';
import { migrateAll } from './migrations.ts';
import { newRunId, type ReportlineTestContext, runStartedAt, templateDbName, workerDbPrefix } from './test-context.ts';
import { createTopics, deleteTopicsWithPrefix } from './topics.ts';

const log = (msg: string) => process.stderr.write(`[reportline-dev] ${msg}\n`);
const staleAfterMs = 12 * 60 * 60 * 1000;

interface Shared {
  context: Promise<{ ctx: ReportlineTestContext; teardown: () => Promise<void> }>;
  users: number;
}

// The int and e2e projects each run this setup; when both run in one vitest process they share one environment.
const key = Symbol.for('reportline.dev.global-setup');
const registry = globalThis as unknown as Record<symbol, Shared | undefined>;

async function prepare(): Promise<{ ctx: ReportlineTestContext; teardown: () => Promise<void> }> {
  const started = Date.now();
  const env = await startEnvironment({ log });
  try {
    const runId = newRunId();
    const topicPrefix = `t${runId}.`;
    const templateDb = templateDbName(runId);
    await dropStaleDatabases(env.databaseUrl);
    await Promise.all([
      createTopics(env.kafkaBrokers, topicPrefix),
      (async () => {
        await ensureDatabase(env.databaseUrl, templateDb);
        const migrated = await migrateAll(withDatabase(env.databaseUrl, templateDb));
        log(`template database migrated: ${migrated.map((d) => d.schema).join(', ') || 'no migrations yet'}`);
      })(),
    ]);
    log(
      `test environment ready in ${Date.now() - started} ms: Kafka ${env.kafkaSource}, Postgres ${env.postgresSource}, run ${runId}`,
    );
    const ctx: ReportlineTestContext = {
      kafkaBrokers: env.kafkaBrokers,
      adminDatabaseUrl: env.databaseUrl,
      templateDb,
      topicPrefix,
      runId,
    };
    const teardown = async () => {
      const errors: unknown[] = [];
      const attempt = (p: Promise<unknown>) => p.catch((err) => errors.push(err));
      const dbs = await databasesWithPrefix(env.databaseUrl, workerDbPrefix(runId)).catch(() => []);
      await attempt(dropDatabases(env.databaseUrl, [...dbs, templateDb]));
      // a broker we started goes away with its data; on a shared broker the run's topics are removed
      if (env.kafkaSource === 'env') await attempt(deleteTopicsWithPrefix(env.kafkaBrokers, topicPrefix));
      await attempt(env.stop());
      if (errors.length > 0) throw errors[0];
    };
    return { ctx, teardown };
  } catch (err) {
    await env.stop().catch(() => {});
    throw err;
  }
}

/** Databases of runs that crashed long ago; younger ones may belong to a run still going. */
async function dropStaleDatabases(adminUrl: string): Promise<void> {
  const names = await databasesWithPrefix(adminUrl, 'reportline_t');
  const stale = names.filter((n) => {
    const runId = /^reportline_(?:tpl_|t_)([0-9a-z]{9})(?:_|$)/.exec(n)?.[1];
    const at = runId ? runStartedAt(runId) : undefined;
    return at !== undefined && Date.now() - at > staleAfterMs;
  });
  if (stale.length > 0) {
    log(`dropping ${stale.length} databases left by earlier runs`);
    await dropDatabases(adminUrl, stale);
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  let shared = registry[key];
  if (!shared) {
    shared = { context: prepare(), users: 0 };
    registry[key] = shared;
  }
  shared.users++;
  const { ctx, teardown } = await shared.context;
  project.provide('reportline', ctx);
  return async () => {
    const s = registry[key];
    if (!s || --s.users > 0) return;
    registry[key] = undefined;
    await teardown();
  };
}
