// Fresh topics and a migrated database for one run of a tool outside vitest (a bench), handed to its child process
// through the same variables the services read, so one run never sees another's messages or rows.
import { baseConfig, loadConfig } from '@reportline/platform/config';
import { dropDatabases, ensureDatabase, withDatabase } from './databases.ts';
import type { Environment } from './environment.ts';
import { migrateAll } from './migrations.ts';
import { newRunId } from './test-context.ts';
import { createTopics, deleteTopicsWithPrefix } from './topics.ts';

export interface Scratch {
  kafkaBrokers: string[];
  /** A database of its own, with every service's migrations applied. */
  databaseUrl: string;
  /** The manifests' topics exist under this prefix. */
  topicPrefix: string;
}

/**
 * Creates `<name><runId>.` topics and a migrated `reportline_<name>_<runId>` database in `env`. drop() removes the
 * database, and the topics too on a broker that outlives the run (one started for it goes away with its data).
 */
export async function createScratch(env: Environment, name: string): Promise<Scratch & { drop(): Promise<void> }> {
  const runId = newRunId();
  const topicPrefix = `${name}${runId}.`;
  const database = `reportline_${name}_${runId}`;
  const databaseUrl = withDatabase(env.databaseUrl, database);
  const drop = async () => {
    const results = await Promise.allSettled([
      dropDatabases(env.databaseUrl, [database]),
      env.kafkaSource === 'env' ? deleteTopicsWithPrefix(env.kafkaBrokers, topicPrefix) : Promise.resolve(0),
    ]);
    const failed = results.flatMap((r) => (r.status === 'rejected' ? [String(r.reason)] : []));
    if (failed.length > 0) throw new Error(`removing ${database} and ${topicPrefix}* failed: ${failed.join('; ')}`);
  };
  try {
    await Promise.all([
      createTopics(env.kafkaBrokers, topicPrefix),
      ensureDatabase(env.databaseUrl, database).then(() => migrateAll(databaseUrl)),
    ]);
  } catch (err) {
    await drop().catch(() => {});
    throw err;
  }
  return { kafkaBrokers: env.kafkaBrokers, databaseUrl, topicPrefix, drop };
}

/** The variables a child process reads the scratch space from with scratchFromEnv(). */
export function scratchVariables(s: Scratch): Record<string, string> {
  return { KAFKA_BROKERS: s.kafkaBrokers.join(','), DATABASE_URL: s.databaseUrl, TOPIC_PREFIX: s.topicPrefix };
}

const scratchConfig = baseConfig.pick({ KAFKA_BROKERS: true, DATABASE_URL: true, TOPIC_PREFIX: true });

/** The scratch space a parent passed with scratchVariables(); names each missing or malformed variable. */
export function scratchFromEnv(env: NodeJS.ProcessEnv = process.env): Scratch {
  const c = loadConfig(scratchConfig, env);
  return { kafkaBrokers: c.KAFKA_BROKERS, databaseUrl: c.DATABASE_URL, topicPrefix: c.TOPIC_PREFIX };
}
