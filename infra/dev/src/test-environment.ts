import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { ensureDatabase, withDatabase } from './databases.ts';
import { type ReportlineTestContext, workerDbPrefix } from './test-context.ts';
import { createTopics as createManifestTopics, type TopicSpec } from './topics.ts';

export interface TestEnvironment {
  kafkaBrokers: string[];
  /** This worker's own database, a copy of the run's migrated template. */
  databaseUrl: string;
  /** The run's topic prefix; the manifests' topics exist under it. */
  topicPrefix: string;
}

export function testContext(): ReportlineTestContext {
  const ctx = inject('reportline');
  if (!ctx) {
    throw new Error(
      'no Reportline test environment: run int/e2e tests through the vitest projects that use infra/dev/src/global-setup.ts',
    );
  }
  return ctx;
}

/** The vitest worker slot; stable for a worker's life, so one database serves all files that worker runs. */
function workerId(): string {
  const id = process.env.VITEST_POOL_ID ?? process.env.VITEST_WORKER_ID ?? '0';
  return id.replace(/[^0-9a-z]/gi, '').toLowerCase() || '0';
}

let current: Promise<TestEnvironment> | undefined;

/** Kafka, this worker's database (created from the template on first use) and the run's topic prefix. */
export function testEnvironment(): Promise<TestEnvironment> {
  current ??= (async () => {
    const ctx = testContext();
    const db = `${workerDbPrefix(ctx.runId)}${workerId()}`;
    await ensureDatabase(ctx.adminDatabaseUrl, db, ctx.templateDb);
    return {
      kafkaBrokers: ctx.kafkaBrokers,
      databaseUrl: withDatabase(ctx.adminDatabaseUrl, db),
      topicPrefix: ctx.topicPrefix,
    };
  })();
  current.catch(() => {
    current = undefined; // let the next caller retry instead of caching the failure
  });
  return current;
}

/**
 * Like testEnvironment(), but with a database of this test file's own, fresh from the template. For tests that start
 * services: a service process that outlives its test (a stopped child, a slow shutdown) then cannot touch the next
 * file's data, e.g. relay its outbox rows. Dropped with the run's other databases.
 */
export async function isolatedEnvironment(): Promise<TestEnvironment> {
  const ctx = testContext();
  const db = `${workerDbPrefix(ctx.runId)}${workerId()}_${randomBytes(3).toString('hex')}`;
  await ensureDatabase(ctx.adminDatabaseUrl, db, ctx.templateDb);
  return {
    kafkaBrokers: ctx.kafkaBrokers,
    databaseUrl: withDatabase(ctx.adminDatabaseUrl, db),
    topicPrefix: ctx.topicPrefix,
  };
}

/** A topic prefix no other test uses, inside the run's prefix so the run's teardown removes its topics too. */
export function uniquePrefix(): string {
  return `${testContext().topicPrefix}${randomBytes(4).toString('hex')}.`;
}

/** Creates the manifests' topics (and dead-letter topics) under `prefix`, e.g. one from uniquePrefix(). */
export function createTopics(prefix: string): Promise<TopicSpec[]> {
  return createManifestTopics(testContext().kafkaBrokers, prefix);
}
