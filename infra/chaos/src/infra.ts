// A broker and a Postgres server of the run's own, so a fault can restart them for real: the shared ones serve every
// other test file running beside the chaos test, and restarting those would fail runs that are not under test.
import { createTopics, ensureDatabase, migrateAll, startLocalKafka, withDatabase } from '@reportline/dev';
import { startEmbeddedPostgres } from '@reportline/dev/postgres';
import type { Infra } from './cluster.ts';

export interface RestartableInfra extends Infra {
  /** Stops the broker (SIGTERM: a controlled shutdown; SIGKILL: a crash), keeps it down `downMs`, starts it again. */
  restartBroker(o: { downMs: number; signal: 'SIGTERM' | 'SIGKILL' }): Promise<void>;
  /** A fast shutdown (every session ends with 57P01, new connections are refused), `downMs` down, then up again. */
  restartPostgres(downMs: number): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Runs `f` after every earlier call has ended. Two faults may be due at once, and a restart begun while the same
 * server is still stopping or starting would act on a process that is already gone (and wait for its exit forever).
 */
function oneAtATime<A extends unknown[]>(f: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  let last: Promise<unknown> = Promise.resolve();
  return (...args) => {
    const next = last.then(() => f(...args));
    last = next.catch(() => {});
    return next;
  };
}

export async function startRestartableInfra(log: (msg: string) => void): Promise<RestartableInfra> {
  const [kafka, postgres] = await Promise.all([startLocalKafka(log), startEmbeddedPostgres(log)]);
  const stop = async () => {
    await Promise.allSettled([kafka.stop(), postgres.stop()]);
  };
  try {
    const topicPrefix = 'chaos.';
    const databaseUrl = withDatabase(postgres.url, 'reportline_chaos');
    await Promise.all([
      createTopics(kafka.brokers, topicPrefix),
      ensureDatabase(postgres.url, 'reportline_chaos').then(() => migrateAll(databaseUrl)),
    ]);
    return {
      kafkaBrokers: kafka.brokers,
      databaseUrl,
      topicPrefix,
      restartBroker: oneAtATime((o: { downMs: number; signal: 'SIGTERM' | 'SIGKILL' }) => kafka.restart(o)),
      restartPostgres: oneAtATime((downMs: number) => postgres.restart(downMs)),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
